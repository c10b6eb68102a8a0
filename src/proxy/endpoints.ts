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
 */
import { type Address, sameAddress } from "./address.ts";
import { TcpEndpoint, type TcpEndpointOptions } from "./tcp-endpoint.ts";

export interface Targets {
  primary?: Address;
  /** Healthy replicas only; the caller filters out the ones that fail their probes. */
  replicas: Address[];
}

/** Listener and tuning options shared by the helpers (everything of TcpEndpoint except `pick`). */
export type EndpointOptions = Omit<TcpEndpointOptions, "pick"> & { targets?: Targets };

abstract class GroupEndpoint {
  readonly endpoint: TcpEndpoint;
  protected targets: Targets = { replicas: [] };

  constructor(options: EndpointOptions) {
    const { targets, ...rest } = options;
    if (targets) this.targets = copyTargets(targets);
    this.endpoint = new TcpEndpoint({ ...rest, pick: () => this.pick() });
  }

  protected abstract pick(): Address | undefined;
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
}

export class PrimaryEndpoint extends GroupEndpoint {
  protected pick(): Address | undefined {
    return this.targets.primary;
  }

  /** Replicas are ignored here; a changed (or removed) primary drops the old primary's connections. */
  setTargets(targets: Targets): void {
    const old = this.targets.primary;
    this.targets = copyTargets(targets);
    if (old && !sameAddress(old, this.targets.primary)) this.endpoint.closeConnectionsTo(old);
  }
}

export class ReaderEndpoint extends GroupEndpoint {
  private next = 0;

  protected pick(): Address | undefined {
    const { replicas, primary } = this.targets;
    if (replicas.length === 0) return primary;
    const target = replicas[this.next % replicas.length];
    this.next = (this.next + 1) % replicas.length;
    return target;
  }

  /**
   * Connections to a node that is no longer a target (removed or unhealthy replica, gone primary)
   * are closed; connections to nodes still in the group stay where they are.
   */
  setTargets(targets: Targets): void {
    const old = this.targets;
    this.targets = copyTargets(targets);
    const keep = [...this.targets.replicas, ...(this.targets.primary ? [this.targets.primary] : [])];
    const before = [...old.replicas, ...(old.primary ? [old.primary] : [])];
    for (const address of before) {
      if (!keep.some((k) => sameAddress(k, address))) this.endpoint.closeConnectionsTo(address);
    }
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

function copyTargets(targets: Targets): Targets {
  return {
    primary: targets.primary ? { ...targets.primary } : undefined,
    replicas: targets.replicas.map((r) => ({ ...r })),
  };
}
