/**
 * Reset (the emulator convenience that empties an installation): first every group and cluster
 * goes to deleting in one transaction, so the reconciler removes their nodes as it removes any
 * deleted resource (ports released, endpoints closed, no failure told); once they are gone, what
 * remains (snapshots, through the snapshot controller that removes their files; user parameter
 * groups; subnet groups but the default one; users but the default one, user groups; tags; events) is cleared. The installation id stays:
 * the nodes of this installation keep being told from another's.
 */
import { bump, type Db } from "./database.ts";
import { writeEvents } from "./events.ts";
import { markNodesAbsent } from "./members.ts";

export interface ResetCounts {
  replicationGroups: number;
  cacheClusters: number;
}

export class ResetRepository {
  constructor(private readonly db: Db) {}

  /** Every group and cluster to deleting (standalone clusters' nodes marked absent, as DeleteCacheCluster does). */
  async markEverythingDeleting(): Promise<ResetCounts> {
    return this.db.$transaction(async (tx) => {
      const groups = await tx.replicationGroup.findMany({ where: { status: { not: "deleting" } }, select: { id: true } });
      const clusters = await tx.cacheCluster.findMany({ where: { status: { not: "deleting" } }, select: { id: true, replicationGroupId: true } });
      await tx.replicationGroup.updateMany({ data: { status: "deleting", ...bump } });
      await tx.cacheCluster.updateMany({ data: { status: "deleting", ...bump } });
      await markNodesAbsent(tx, { clusterId: { in: clusters.filter((cluster) => !cluster.replicationGroupId).map((cluster) => cluster.id) } });
      await writeEvents(tx, [
        ...groups.map((group) => ({ sourceType: "replication-group" as const, sourceIdentifier: group.id, message: `Replication group ${group.id} deleting (reset)` })),
      ]);
      return { replicationGroups: groups.length, cacheClusters: clusters.length };
    });
  }

  /**
   * Settled snapshots (available or failed) to deleting, for the snapshot controller to remove
   * with their files; one being taken or copied settles first. Returns how many were marked.
   */
  async markSnapshotsDeleting(): Promise<number> {
    const { count } = await this.db.snapshot.updateMany({ where: { status: { in: ["available", "failed"] } }, data: { status: "deleting" } });
    return count;
  }

  /** Whether any group, cluster or snapshot is still there (being removed). */
  async anythingLeft(): Promise<boolean> {
    const [groups, clusters, snapshots] = await Promise.all([this.db.replicationGroup.count(), this.db.cacheCluster.count(), this.db.snapshot.count()]);
    return groups + clusters + snapshots > 0;
  }

  /** After the resources are gone: user parameter groups, subnet groups but `keep`, every tag and every event. */
  async clearTheRest(keep: string): Promise<{ cacheSubnetGroups: number }> {
    return this.db.$transaction(async (tx) => {
      await tx.cacheParameter.deleteMany({});
      await tx.cacheParameterGroup.deleteMany({});
      const { count } = await tx.cacheSubnetGroup.deleteMany({ where: { name: { not: keep } } });
      await tx.tag.deleteMany({});
      // RBAC: every user group and every user but the account's default one.
      await tx.rbacUserGroup.deleteMany({});
      await tx.rbacUser.deleteMany({ where: { userId: { not: "default" } } });
      await tx.event.deleteMany({});
      return { cacheSubnetGroups: count };
    });
  }

  /** A query the store must answer to be ready. */
  async ping(): Promise<void> {
    await this.db.$queryRawUnsafe("SELECT 1");
  }
}
