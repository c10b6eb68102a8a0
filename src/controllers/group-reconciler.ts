/**
 * One reconcile pass over one replication group: remove members being deleted, make every node
 * run, point replicas at the primary, apply the node type, and once every replica is in sync,
 * record the group and its members as available. Every step is idempotent; a pass interrupted
 * anywhere (a crash, kill -9) is finished by the next one.
 */
import { arnOf } from "../domain/arn.ts";
import { recordEvent } from "../elasticache/events.ts";
import { groupWithMembers, type ClusterRow, type GroupRow } from "../elasticache/shapes.ts";
import type { RedisAdmin } from "../engines/redis-admin.ts";
import type { NodeHandle } from "../runtime/types.ts";
import { deleteCluster, ensureNodes, removeNodes, type NodeWork, type Observed } from "./nodes.ts";
import { decideFailover, failoverOf, resumeFailover } from "./failover.ts";
import { maxmemoryOf } from "./node-spec.ts";
import { configureReplication, waitForReplicaLinks } from "./replication.ts";

export interface GroupWork extends NodeWork {
  redis: RedisAdmin;
  /** How long a pass waits for replicas to sync before leaving it to the next pass. */
  syncTimeoutMs: number;
  /** Called when a group's topology (primary, replicas, ports) may have changed; resolves once endpoints follow it. */
  onTopology?(groupId: string): Promise<void> | void;
}

/** The member's node ran and is now dead or failing its health checks. */
function isDown(cluster: ClusterRow, observed: Observed): boolean {
  const node = cluster.nodes[0];
  if (!node || node.desired !== "present") return false;
  if (node.status === "failed") return true;
  return node.status === "available" && !observed.get(node.runtimeName)?.running;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

export async function reconcileGroup(work: GroupWork, id: string, observed: Observed): Promise<void> {
  const group = await work.db.replicationGroup.findUnique({ where: { id }, include: groupWithMembers });
  if (!group || group.status === "create-failed") return;
  if (group.status === "deleting") return deleteGroup(work, group);
  if (failoverOf(group)) return resumeFailover(work, id);
  const primaryMember = group.clusters.find((member) => member.role === "primary");
  if (primaryMember && isDown(primaryMember, observed)) {
    if (group.automaticFailover && (await decideFailover(work, group, primaryMember, false))) return resumeFailover(work, id);
    await recordEvent(
      work.db,
      "replication-group",
      id,
      group.automaticFailover
        ? `Primary node ${primaryMember.id} failed and no replica can take over; restarting it in place`
        : `Primary node ${primaryMember.id} failed; restarting it in place because automatic failover is disabled`,
    );
  }

  for (const cluster of group.clusters.filter((member) => member.status === "deleting")) {
    await deleteCluster(work, cluster);
  }
  const members = group.clusters.filter((member) => member.status !== "deleting");
  const handles = new Map<string, NodeHandle>();
  try {
    await Promise.all(
      members.map(async (cluster) => {
        const nodes = await ensureNodes(work, cluster, observed);
        // A member of a replication group has exactly one node.
        const [handle] = nodes.values();
        if (handle) handles.set(cluster.id, handle);
      }),
    );
  } catch (error) {
    if (group.status === "creating") return failGroup(work, group, error);
    throw error;
  }

  const primary = members.find((member) => member.role === "primary");
  if (!primary) throw new Error(`replication group ${id} has no primary member`);
  const replicas = members.filter((member) => member.role === "replica");
  const replicaHandles = replicas.map((member) => handles.get(member.id)!);
  await configureReplication(work.redis, handles.get(primary.id)!, replicaHandles);
  if (group.status === "modifying") {
    const maxmemory = maxmemoryOf(group.cacheNodeType);
    await Promise.all([...handles.values()].map((handle) => work.redis.configSet(handle.adminAddress, "maxmemory", maxmemory)));
  }
  if (!(await waitForReplicaLinks(work.redis, replicaHandles, work.syncTimeoutMs))) return;
  await markAvailable(work, group, members);
}

async function markAvailable(work: GroupWork, group: GroupRow, members: ClusterRow[]): Promise<void> {
  const pendingNodes = members.flatMap((cluster) => cluster.nodes.filter((node) => node.status !== "available").map((node) => ({ cluster, node })));
  const pendingClusters = members.filter((cluster) => cluster.status !== "available");
  const removedMembers = group.clusters.length !== members.length;
  if (group.status === "available" && pendingNodes.length === 0 && pendingClusters.length === 0 && !removedMembers) return;
  await work.db.$transaction(async (tx) => {
    for (const { cluster, node } of pendingNodes) {
      await tx.cacheNode.update({
        where: { clusterId_nodeId: { clusterId: cluster.id, nodeId: node.nodeId } },
        data: { status: "available", healthy: true },
      });
      if (node.status === "creating") {
        await recordEvent(tx, "cache-cluster", cluster.id, `Added cache node ${node.nodeId} in availability zone ${node.az}`);
      } else if (node.status === "failed") {
        await recordEvent(tx, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${node.nodeId}`);
      }
    }
    await tx.cacheCluster.updateMany({ where: { id: { in: pendingClusters.map((cluster) => cluster.id) } }, data: { status: "available" } });
    await tx.nodeGroup.updateMany({ where: { replicationGroupId: group.id }, data: { status: "available" } });
    await tx.replicationGroup.update({ where: { id: group.id }, data: { status: "available" } });
    if (group.status !== "available") {
      const message = group.status === "creating" ? `Replication group ${group.id} is available` : `Replication group ${group.id} modified`;
      await recordEvent(tx, "replication-group", group.id, message);
    }
  });
  work.onTopology?.(group.id);
}

async function failGroup(work: GroupWork, group: GroupRow, error: unknown): Promise<void> {
  await removeNodes(work, group.clusters.flatMap((cluster) => cluster.nodes.map((node) => node.runtimeName)));
  await work.db.$transaction(async (tx) => {
    await tx.replicationGroup.update({ where: { id: group.id }, data: { status: "create-failed" } });
    await tx.cacheCluster.updateMany({ where: { replicationGroupId: group.id }, data: { status: "create-failed" } });
    await recordEvent(tx, "replication-group", group.id, `Failed to create replication group ${group.id}: ${reasonOf(error)}`);
  });
}

async function deleteGroup(work: GroupWork, group: GroupRow): Promise<void> {
  // The group is "deleting": its endpoints close first, so nothing listens on its ports once it is gone.
  await work.onTopology?.(group.id);
  for (const cluster of group.clusters) await deleteCluster(work, cluster);
  await work.db.$transaction(async (tx) => {
    await tx.tag.deleteMany({ where: { arn: arnOf(work.account, "replicationgroup", group.id) } });
    await tx.portAllocation.deleteMany({ where: { owner: { startsWith: `endpoint:${group.id}:` } } });
    await tx.replicationGroup.delete({ where: { id: group.id } });
    await recordEvent(tx, "replication-group", group.id, `Replication group ${group.id} deleted`);
  });
  work.onTopology?.(group.id);
}
