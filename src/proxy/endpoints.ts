/**
 * The replication-group endpoints ElastiCache hands out, on top of TcpEndpoint:
 * - primary endpoint: every connection goes to the current primary; when the primary changes,
 *   connections to the old one are closed so clients reconnect and land on the new primary
 *   (what a failover / DNS flip looks like to a client of the real service).
 * - reader endpoint: connections are spread round-robin over the healthy replicas, and go to
 *   the primary when there are none.
 *
 * The caller (the controllers' endpoint sync) owns the topology and pushes it with `setTargets()`
 * whenever it changes; picks read the latest targets, so no locking or polling is involved.
 *
 * With transit encryption a node has two upstreams, its plain port and its TLS port: the
 * endpoint's `transit` mode ("preferred", "required"; see tcp-endpoint.ts) sends each client to
 * the one it speaks. A bare Address is a node's plain (or only) port.
 */
import { type Address, sameAddress } from "./address.ts";
import type { Traffic } from "./forwarding.ts";
import { TcpEndpoint, type TcpEndpointOptions, type Transport } from "./tcp-endpoint.ts";

/** A node's two ports for transit encryption "preferred" (both) or "required" (tls). */
export interface NodeUpstreams {
  plain?: Address;
  tls?: Address;
}

/** A node as an endpoint forwards to it. */
export type Upstream = Address | NodeUpstreams;

export interface Targets {
  primary?: Upstream;
  /** Healthy replicas only; the caller filters out the ones that fail their probes. */
  replicas: Upstream[];
}

const upstreamsOf = (node: Upstream): NodeUpstreams => ("port" in node ? { plain: node } : node);

/** The node's address for a client of `transport`; without one (transit "off"), its plain port, else its TLS port. */
function addressFor(node: Upstream | undefined, transport: Transport | undefined): Address | undefined {
  if (!node) return undefined;
  const { plain, tls } = upstreamsOf(node);
  if (transport === "tls") return tls;
  if (transport === "plain") return plain;
  return plain ?? tls;
}

/** Every address of these nodes (both ports of each). */
function addressesOf(nodes: Array<Upstream | undefined>): Address[] {
  return nodes.flatMap((node) => {
    if (!node) return [];
    const { plain, tls } = upstreamsOf(node);
    return [plain, tls].filter((address): address is Address => address !== undefined);
  });
}

/** Listener and tuning options shared by the helpers (everything of TcpEndpoint except `pick`). */
export type EndpointOptions = Omit<TcpEndpointOptions, "pick"> & { targets?: Targets };

abstract class GroupEndpoint {
  readonly endpoint: TcpEndpoint;
  protected targets: Targets = { replicas: [] };

  constructor(options: EndpointOptions) {
    const { targets, ...rest } = options;
    if (targets) this.targets = copyTargets(targets);
    this.endpoint = new TcpEndpoint({ ...rest, pick: (transport) => this.pick(transport) });
  }

  protected abstract pick(transport?: Transport): Address | undefined;
  abstract setTargets(targets: Targets): void;

  listen(): Promise<Address> {
    return this.endpoint.listen();
  }
  close(): Promise<void> {
    return this.endpoint.close();
  }
  get address(): Address | undefined {
    return this.endpoint.address;
  }
  connectionCount(upstream?: Address): number {
    return this.endpoint.connectionCount(upstream);
  }
  get traffic(): Traffic {
    return this.endpoint.traffic;
  }
}

export class PrimaryEndpoint extends GroupEndpoint {
  protected pick(transport?: Transport): Address | undefined {
    return addressFor(this.targets.primary, transport);
  }

  /** Replicas are ignored here; a changed (or removed) primary drops the old primary's connections. */
  setTargets(targets: Targets): void {
    const old = addressesOf([this.targets.primary]);
    this.targets = copyTargets(targets);
    closeAllBut(this.endpoint, old, addressesOf([this.targets.primary]));
  }
}

export class ReaderEndpoint extends GroupEndpoint {
  private next = 0;

  protected pick(transport?: Transport): Address | undefined {
    const { replicas, primary } = this.targets;
    const candidates = replicas.map((replica) => addressFor(replica, transport)).filter((address): address is Address => address !== undefined);
    if (candidates.length === 0) return addressFor(primary, transport);
    const target = candidates[this.next % candidates.length];
    this.next = (this.next + 1) % candidates.length;
    return target;
  }

  /**
   * Connections to a node that is no longer a target (removed or unhealthy replica, gone primary)
   * are closed; connections to nodes still in the group stay where they are.
   */
  setTargets(targets: Targets): void {
    const before = addressesOf([...this.targets.replicas, this.targets.primary]);
    this.targets = copyTargets(targets);
    closeAllBut(this.endpoint, before, addressesOf([...this.targets.replicas, this.targets.primary]));
  }
}

export function createPrimaryEndpoint(options: EndpointOptions): PrimaryEndpoint {
  return new PrimaryEndpoint(options);
}

export function createReaderEndpoint(options: EndpointOptions): ReaderEndpoint {
  return new ReaderEndpoint(options);
}

/** Both endpoints of a replication group behind one `setTargets`, for the reconciler. */
export class ReplicationGroupEndpoints {
  readonly primary: PrimaryEndpoint;
  readonly reader: ReaderEndpoint;

  constructor(options: { host: string; primaryPort: number; readerPort: number; targets?: Targets } & Omit<EndpointOptions, "host" | "port" | "targets">) {
    const { primaryPort, readerPort, ...rest } = options;
    this.primary = new PrimaryEndpoint({ ...rest, port: primaryPort });
    this.reader = new ReaderEndpoint({ ...rest, port: readerPort });
  }

  async listen(): Promise<{ primary: Address; reader: Address }> {
    const [primary, reader] = await Promise.allSettled([this.primary.listen(), this.reader.listen()]);
    if (primary.status === "rejected" || reader.status === "rejected") {
      await this.close(); // do not leave one of the two bound
      throw primary.status === "rejected" ? primary.reason : (reader as PromiseRejectedResult).reason;
    }
    return { primary: primary.value, reader: reader.value };
  }

  setTargets(targets: Targets): void {
    this.primary.setTargets(targets);
    this.reader.setTargets(targets);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.reader.close()]);
  }
}

/** Closes the connections to each address of `before` that is not in `keep`. */
function closeAllBut(endpoint: TcpEndpoint, before: Address[], keep: Address[]): void {
  for (const address of before) {
    if (!keep.some((k) => sameAddress(k, address))) endpoint.closeConnectionsTo(address);
  }
}

function copyUpstream(node: Upstream): Upstream {
  if ("port" in node) return { ...node };
  return { ...(node.plain && { plain: { ...node.plain } }), ...(node.tls && { tls: { ...node.tls } }) };
}

function copyTargets(targets: Targets): Targets {
  return {
    primary: targets.primary ? copyUpstream(targets.primary) : undefined,
    replicas: targets.replicas.map(copyUpstream),
  };
}

/**
 * The configuration endpoint of a cluster-mode-enabled group: each connection goes to one live
 * node, round-robin (the nodes' own CLUSTER SLOTS / SHARDS answers, with the host addresses the
 * nodes announce, are what a cluster-aware client discovers the cluster from; any node gives the
 * whole map). Connections to a node no longer listed are closed, so a client reconnects elsewhere.
 */
export class ClusterConfigurationEndpoint extends ReaderEndpoint {
  setNodes(nodes: Upstream[]): void {
    this.setTargets({ replicas: nodes });
  }
}
