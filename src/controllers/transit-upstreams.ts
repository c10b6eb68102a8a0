/**
 * How a node group's endpoints reach its nodes for transit encryption: the endpoint's mode and
 * each node's upstreams (its plain port, its TLS port), also while an in-place change of transit
 * encryption is applied and nodes serve the state before it until each is restarted. Pure, so the
 * combinations get unit tests.
 */
import type { Address, CacheNode } from "../domain/model.ts";
import { transitStateOf, type NodeSecurity, type TransitState } from "../domain/security.ts";
import type { Upstream } from "../proxy/index.ts";

/**
 * The endpoint's transit mode: the group's, or while a change of it is applied and a node still
 * serves the one before, that one (each changed node is reached as it serves now, see upstreamOf).
 * Once every node is changed the endpoint takes the new mode, before the group is available again.
 */
export function endpointTransitOf(security: NodeSecurity, nodes: (CacheNode | undefined)[]): TransitState {
  const changing = security.previousTransit !== undefined && nodes.some((node) => node?.status === "rebooting");
  return changing ? security.previousTransit! : transitStateOf(security);
}

/** What a node serves: the group's transit state, or the previous one while it waits for its restart. */
const nodeTransitOf = (security: NodeSecurity, node: CacheNode): TransitState =>
  node.status === "rebooting" && security.previousTransit !== undefined ? security.previousTransit : transitStateOf(security);

/**
 * Where an endpoint sends a client to a node: with "required" the node's client port speaks TLS
 * only; with "preferred" TLS clients go to its TLS listener and plain ones to its plain port. An
 * endpoint whose node serves another state than the endpoint (during a change of transit
 * encryption) sends each client to the port that speaks its protocol, if the node has one.
 */
export function upstreamOf(endpoint: TransitState, security: NodeSecurity, node: CacheNode & { admin: Address }): Upstream | undefined {
  const served = nodeTransitOf(security, node);
  const plain = served === "required" ? undefined : node.admin;
  const tls = served === "required" ? node.admin : served === "preferred" ? node.tlsAdmin : undefined;
  if (endpoint === "off") return plain;
  if (endpoint === "required") return tls && { tls };
  return plain || tls ? { plain, tls } : undefined;
}

