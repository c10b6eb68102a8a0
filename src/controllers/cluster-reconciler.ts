/**
 * One reconcile pass over a cache cluster outside any replication group (Memcached, or a single
 * Redis/Valkey node): remove absent nodes, run the present ones, apply the node type, then
 * record the cluster as available. Memcached's auto discovery version goes up with every node
 * added or removed.
 */
import { recordEvent } from "../elasticache/events.ts";
import { clusterWithNodes, type ClusterRow } from "../elasticache/shapes.ts";
import type { GroupWork } from "./group-reconciler.ts";
import { maxmemoryOf } from "./node-spec.ts";
import { deleteCluster, ensureNodes, forgetAbsentNodes, removeNodes, type Observed } from "./nodes.ts";

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

export async function reconcileCluster(work: GroupWork, id: string, observed: Observed): Promise<void> {
  const cluster = await work.db.cacheCluster.findUnique({ where: { id }, include: clusterWithNodes });
  if (!cluster || cluster.replicationGroupId || cluster.status === "create-failed") return;
  if (cluster.status === "deleting") {
    // Its configuration endpoint closes first, so nothing listens on its ports once it is gone.
    await work.onTopology?.(cluster.id);
    await deleteCluster(work, cluster);
    work.onTopology?.(cluster.id);
    return;
  }
  const removed = await forgetAbsentNodes(work, cluster);
  let handles;
  try {
    handles = await ensureNodes(work, cluster, observed);
  } catch (error) {
    if (cluster.status === "creating") return failCluster(work, cluster, error);
    throw error;
  }
  if (cluster.status === "modifying" && cluster.engine !== "memcached") {
    const maxmemory = maxmemoryOf(cluster.cacheNodeType);
    await Promise.all([...handles.values()].map((handle) => work.redis.configSet(handle.adminAddress, "maxmemory", maxmemory)));
  }
  const fresh = cluster.nodes.filter((node) => node.desired === "present" && node.status !== "available");
  const added = fresh.filter((node) => node.status === "creating");
  if (fresh.length === 0 && removed === 0 && cluster.status === "available") return;
  await work.db.$transaction(async (tx) => {
    for (const node of fresh) {
      await tx.cacheNode.update({
        where: { clusterId_nodeId: { clusterId: cluster.id, nodeId: node.nodeId } },
        data: { status: "available", healthy: true },
      });
    }
    for (const node of fresh.filter((candidate) => candidate.status === "failed")) {
      await recordEvent(tx, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${node.nodeId}`);
    }
    for (const node of added) {
      await recordEvent(tx, "cache-cluster", cluster.id, `Added cache node ${node.nodeId} in availability zone ${node.az}`);
    }
    const nodeChange = cluster.status !== "creating" && (added.length > 0 || removed > 0);
    await tx.cacheCluster.update({
      where: { id: cluster.id },
      data: { status: "available", configVersion: nodeChange ? { increment: 1 } : undefined },
    });
    if (cluster.status === "modifying") await recordEvent(tx, "cache-cluster", cluster.id, "Cache cluster modified");
  });
  work.onTopology?.(cluster.id);
}

async function failCluster(work: GroupWork, cluster: ClusterRow, error: unknown): Promise<void> {
  await removeNodes(work, cluster.nodes.map((node) => node.runtimeName));
  await work.db.$transaction(async (tx) => {
    await tx.cacheCluster.update({ where: { id: cluster.id }, data: { status: "create-failed" } });
    await recordEvent(tx, "cache-cluster", cluster.id, `Failed to create cache cluster ${cluster.id}: ${reasonOf(error)}`);
  });
}
