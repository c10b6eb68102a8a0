/**
 * How a node group's roles change inside Redis, for the failover healer: promote a replica, make a
 * node follow the primary. Cluster mode disabled: REPLICAOF NO ONE / REPLICAOF host port. Cluster
 * mode enabled (REPLICAOF is refused there): CLUSTER FAILOVER TAKEOVER on the elected replica, which
 * takes the shard's slots with a new config epoch without waiting for the other primaries' votes
 * (the healer stopped the old primary first, so there is no second writer to fence off), and
 * CLUSTER REPLICATE <primary id> once the node knows the primary and has given up its slots.
 *
 * Why TAKEOVER and not Redis Cluster's own election: the health monitor finds a dead primary in
 * about 200–300 ms and TAKEOVER is immediate, while the election waits for cluster-node-timeout
 * (a majority of primaries must flag the node FAIL) plus a random 0.5–1 s delay; FORCE would still
 * need that majority's votes. The election remains as a backstop when the control plane is down.
 */
import type { Address, ReplicationGroup } from "../domain/model.ts";
import { ClusterAdmin } from "../engines/cluster-admin.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import { follow as followInCluster, until } from "./cluster-formation.ts";
import type { ControllerContext } from "./context.ts";

export interface ShardReplication {
  /** Makes the node at `admin` its node group's primary; resolves once it is. */
  promote(admin: ConnectionProfile): Promise<void>;
  /** Makes the node at `admin` a replica of `primary` (`peer`: where nodes replicate from); resolves once it is told (cluster: once it follows). */
  follow(admin: ConnectionProfile, primary: { admin: ConnectionProfile; peer: Address }): Promise<void>;
}

export function shardReplicationOf(work: ControllerContext, group: Pick<ReplicationGroup, "clusterEnabled">): ShardReplication {
  if (!group.clusterEnabled) {
    return {
      promote: (admin) => work.redis.promote(admin),
      follow: (admin, primary) => work.redis.replicaOf(admin, primary.peer),
    };
  }
  const cluster = new ClusterAdmin(work.redis);
  return {
    async promote(admin) {
      await cluster.failover(admin, "TAKEOVER");
      const promoted = await until(async () => (await work.redis.infoReplication(admin)).role === "master", work.syncTimeoutMs);
      if (!promoted) throw new Error(`node ${admin.host}:${admin.port} did not become a primary after CLUSTER FAILOVER TAKEOVER`);
    },
    async follow(admin, primary) {
      const primaryId = await cluster.myId(primary.admin);
      if (!(await followInCluster(cluster, admin, primaryId, work.syncTimeoutMs))) {
        throw new Error(`node ${admin.host}:${admin.port} did not follow primary ${primaryId}`);
      }
    },
  };
}
