/**
 * What a node's Docker object (a container, or a Swarm service) records about it in its labels,
 * and the addresses that follow from that record. Both Docker-based runtimes write the same labels
 * and read them back the same way, so a node is described once: by these labels, never by
 * anything only the process that made it knows (a restarted control plane adopts from them).
 */
import { createHash } from "node:crypto";
import { INTERNAL_PORT, internalExtraPorts } from "../engine-config.ts";
import type { EngineKind, NodeHandle, NodeSpec, ObservedNode, PortAddresses } from "../types.ts";
import { LABEL, fromUserLabels, ownerLabels, toUserLabels, type Owner } from "./labels.ts";

/** An extra port of a node, as its labels record it. */
export interface PublishedExtra {
  name: string;
  hostPort: number;
  internal: number;
}

/** The spec's extra ports with the inside port each gets (engine-config.ts: internalExtraPorts). */
export function publishedExtras(spec: Pick<NodeSpec, "extraPorts" | "hostNetwork">): PublishedExtra[] {
  // On the host's network the engine listens on the host ports themselves, as a process does.
  const inside = spec.hostNetwork ? Object.fromEntries((spec.extraPorts ?? []).map((extra) => [extra.name, extra.hostPort])) : internalExtraPorts(spec);
  return (spec.extraPorts ?? []).map((extra) => ({ name: extra.name, hostPort: extra.hostPort, internal: inside[extra.name] }));
}

/** A short hash of what an object is made of: another value means the object must be replaced. */
export function shapeOf(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** The labels of a node's object: owner, node, engine, ports, network, shape, TLS, and spec.labels. */
export function nodeLabels(owner: Owner, spec: NodeSpec, extras: PublishedExtra[], shape: string): Record<string, string> {
  return {
    ...ownerLabels(owner),
    [LABEL.node]: spec.name,
    [LABEL.engine]: spec.engine,
    [LABEL.engineVersion]: spec.engineVersion,
    [LABEL.hostPort]: String(spec.hostPort),
    [LABEL.ports]: JSON.stringify(extras),
    [LABEL.network]: spec.network,
    [LABEL.shape]: shape,
    ...(spec.tlsOnly ? { [LABEL.tls]: "true" } : {}),
    ...(spec.hostNetwork ? { [LABEL.hostNetwork]: "true" } : {}),
    ...toUserLabels(spec.labels),
  };
}

/** How the control plane, other nodes and clients reach a node's published ports. */
export interface Addressing {
  /** Host address ports are published on. */
  publishHost: string;
  /** Host name clients use to reach published ports. */
  advertisedHost: string;
  /** The control plane runs in a container on the nodes' networks: it uses aliases and inside ports. */
  inDocker: boolean;
}

export function nodeHandle(at: Addressing, name: string, id: string, engine: EngineKind, hostPort: number, extras: PublishedExtra[], hostNetwork = false): NodeHandle {
  const publishedHost = at.publishHost === "0.0.0.0" ? "127.0.0.1" : at.publishHost === "::" ? "::1" : at.publishHost;
  // Inside a network the node answers to its alias, the node name: one DNS label, unlike the
  // container name, which may be longer than 63 characters. On the host's network (spec.hostNetwork),
  // everyone reaches it on the host.
  const addresses = (internal: number, published: number): PortAddresses =>
    hostNetwork
      ? { admin: { host: publishedHost, port: published }, peer: { host: publishedHost, port: published }, client: { host: at.advertisedHost, port: published } }
      : {
          admin: at.inDocker ? { host: name, port: internal } : { host: publishedHost, port: published },
          peer: { host: name, port: internal },
          client: { host: at.advertisedHost, port: published },
        };
  const main = addresses(INTERNAL_PORT[engine] ?? 6379, hostPort);
  const ports: Record<string, PortAddresses> = {};
  for (const extra of extras) ports[extra.name] = addresses(extra.internal, extra.hostPort);
  return { name, runtimeId: id, adminAddress: main.admin, peerAddress: main.peer, clientAddress: main.client, ports };
}

/** A node as its object's labels describe it; undefined for a labelled object that is not a node. */
export function observedFromLabels(at: Addressing, labels: Record<string, string>, id: string, running: boolean): ObservedNode | undefined {
  const name = labels[LABEL.node];
  if (!name) return undefined;
  let extras: PublishedExtra[] = [];
  try {
    extras = JSON.parse(labels[LABEL.ports] ?? "[]") as PublishedExtra[];
  } catch {
    // an object made before extra ports were recorded
  }
  const handle = nodeHandle(at, name, id, labels[LABEL.engine] as EngineKind, Number(labels[LABEL.hostPort]), extras, labels[LABEL.hostNetwork] === "true");
  return { ...handle, running, labels: fromUserLabels(labels) };
}
