/**
 * One reconcile pass over a cache cluster outside any replication group (Memcached, or a single
 * Redis/Valkey node): remove absent nodes, run the present ones, apply the node type, then
 * record the cluster as available. Memcached's auto discovery version goes up with every node
 * added or removed.
 */
import { event, type NewEvent } from "../domain/events.ts";
import type { CacheCluster } from "../domain/model.ts";
import type { ControllerContext, Observed } from "./context.ts";
import { maxmemoryOf } from "./node-spec.ts";
import { loggedIn } from "./node-access.ts";
import { deleteCluster, ensureNodes, forgetAbsentNodes, removeNodes } from "./nodes.ts";

export const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

/** Returns true when the pass must run again (the cluster changed while it worked). */
export async function reconcileCluster(work: ControllerContext, id: string, observed: Observed): Promise<boolean> {
  const cluster = await work.store.cacheClusters.get(id);
  // A snapshotting cluster is the snapshot controller's until its snapshot is done.
  if (!cluster || cluster.replicationGroupId || cluster.status === "create-failed" || cluster.status === "snapshotting") return false;
  if (cluster.status === "deleting") {
    // A final snapshot (FinalSnapshotIdentifier) is taken first; the next pass deletes.
    if (await work.store.snapshots.taking({ cacheClusterId: cluster.id })) return false;
    // Its configuration endpoint closes first, so nothing listens on its ports once it is gone.
    await work.onTopology?.(cluster.id);
    await work.store.snapshots.markAutomatedDeleting({ cacheClusterId: cluster.id });
    await deleteCluster(work, cluster);
    work.onTopology?.(cluster.id);
    return false;
  }
  const removed = await forgetAbsentNodes(work, cluster);
  let handles;
  try {
    handles = await ensureNodes(work, cluster, observed);
  } catch (error) {
    if (cluster.status === "creating") {
      await failCluster(work, cluster, error);
      return false;
    }
    throw error;
  }
  if (cluster.status === "modifying" && cluster.engine !== "memcached") {
    const maxmemory = maxmemoryOf(cluster.cacheNodeType);
    await Promise.all(
      [...handles.values()].map(async (handle) =>
        work.redis.configSet(await loggedIn(work.redis, work.certificates, cluster, handle.adminAddress), "maxmemory", maxmemory),
      ),
    );
  }
  const fresh = cluster.nodes.filter((node) => node.desired === "present" && node.status !== "available");
  const added = fresh.filter((node) => node.status === "creating");
  if (fresh.length === 0 && removed === 0 && cluster.status === "available") return false;
  const events: NewEvent[] = [
    ...fresh.filter((node) => node.status === "failed").map((node) => event("cache-cluster", cluster.id, `Finished recovery for cache nodes ${node.nodeId}`)),
    ...added.map((node) => event("cache-cluster", cluster.id, `Added cache node ${node.nodeId} in availability zone ${node.az}`)),
    ...(cluster.status === "modifying" ? [event("cache-cluster", cluster.id, "Cache cluster modified")] : []),
  ];
  const nodesChanged = cluster.status !== "creating" && (added.length > 0 || removed > 0);
  const settled = await work.store.cacheClusters.markAvailable(cluster.id, cluster.version, { nodeIds: fresh.map((node) => node.nodeId), nodesChanged }, events);
  work.onTopology?.(cluster.id);
  return !settled;
}

async function failCluster(work: ControllerContext, cluster: CacheCluster, error: unknown): Promise<void> {
  await removeNodes(work, cluster.nodes.map((node) => node.runtimeName));
  await work.store.cacheClusters.markCreateFailed(cluster.id, [event("cache-cluster", cluster.id, `Failed to create cache cluster ${cluster.id}: ${reasonOf(error)}`)]);
}
