/** What the controllers work with: the store, the node runtime, the Redis admin client, the account ARNs name. */
import type { Account } from "../domain/arn.ts";
import type { RedisAdmin } from "../engines/redis-admin.ts";
import type { NodeRuntime, ObservedNode } from "../runtime/types.ts";
import type { Store } from "../store/index.ts";
import type { FailoverTimings } from "./failover/timings.ts";

/** A node's TLS files and engine settings (certificate of the installation's CA naming the node's addresses). */
export interface NodeTlsMaterial {
  files: Record<string, string>;
  settings: Record<string, string>;
}

/** The installation's CA as the controllers use it (the composition root builds it from src/tls). */
export interface NodeCertificates {
  /** PEM of the CA: what the control plane verifies TLS nodes with. */
  caPem: string;
  /** Issues a certificate for a node naming every address a client is given for it. */
  forNode(nodeName: string): Promise<NodeTlsMaterial>;
}

export interface ControllerContext {
  store: Store;
  runtime: NodeRuntime;
  redis: RedisAdmin;
  account: Account;
  /** Needed by groups with transit encryption; without it, they fail to start. */
  certificates?: NodeCertificates;
  /** How long a pass waits for replicas to sync before leaving it to the next pass. */
  syncTimeoutMs: number;
  /** The host address Redis Cluster nodes announce (where their host ports are: ECL_NODE_HOST, 127.0.0.1 for a wildcard). */
  announceHost: string;
  /** Called when a resource's topology (primary, replicas, ports) may have changed; resolves once endpoints follow it. */
  onTopology?(resourceId: string): Promise<void> | void;
  /**
   * Runtime names of helper nodes a controller runs for a while (a restore's loader nodes): no row
   * owns them, and the reconciler's orphan sweep leaves them alone while they are listed here.
   */
  transientNodes?: Set<string>;
  /** Where each failover's time goes (a log line per failover). */
  timings?: FailoverTimings;
}

/** What the runtime runs, by runtime name, as observed at the start of a pass. */
export type Observed = Map<string, ObservedNode>;
