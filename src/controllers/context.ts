/** What the controllers work with: the store, the node runtime, the Redis admin client, the account ARNs name. */
import type { Account } from "../domain/arn.ts";
import type { RedisAdmin } from "../engines/redis-admin.ts";
import type { NodeRuntime, ObservedNode } from "../runtime/types.ts";
import type { Store } from "../store/index.ts";

export interface ControllerContext {
  store: Store;
  runtime: NodeRuntime;
  redis: RedisAdmin;
  account: Account;
  /** How long a pass waits for replicas to sync before leaving it to the next pass. */
  syncTimeoutMs: number;
  /** The host address Redis Cluster nodes announce (where their host ports are: ECL_NODE_HOST, 127.0.0.1 for a wildcard). */
  announceHost: string;
  /** Called when a resource's topology (primary, replicas, ports) may have changed; resolves once endpoints follow it. */
  onTopology?(resourceId: string): Promise<void> | void;
}

/** What the runtime runs, by runtime name, as observed at the start of a pass. */
export type Observed = Map<string, ObservedNode>;
