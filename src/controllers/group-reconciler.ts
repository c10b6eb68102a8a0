/**
 * One reconcile pass over one replication group: remove members being deleted, make every node
 * run, point replicas at the primary (cluster mode enabled: form the Redis Cluster, see
 * cluster-formation.ts), apply the node type, and once every replica is in sync,
 * record the group and its members as available. Every step is idempotent; a pass interrupted
 * anywhere (a crash, kill -9) is finished by the next one.
 */
import { arnOf } from "../domain/arn.ts";
import { event, type NewEvent } from "../domain/events.ts";
import type { NodeGroup, ReplicationGroup } from "../domain/model.ts";
import { membersOf } from "../domain/topology.ts";
import type { NodeHandle } from "../runtime/types.ts";
import { formCluster } from "./cluster-formation.ts";
import { migrateSlots } from "./slot-migration.ts";
import { reasonOf } from "./cluster-reconciler.ts";
import type { ControllerContext, Observed } from "./context.ts";
import { superviseNodeGroup } from "./failover/supervise.ts";
import { maxmemoryOf } from "./node-spec.ts";
import { deleteCluster, ensureNodes, removeNodes } from "./nodes.ts";
import { configureReplication, waitForReplicaLinks } from "./replication.ts";

/** Returns true when the pass must run again (the group changed while it worked). */
export async function reconcileGroup(work: ControllerContext, id: string, observed: Observed): Promise<boolean> {
  const group = await work.store.replicationGroups.get(id);
  if (!group || group.status === "create-failed") return false;
  if (group.status === "deleting") {
    await deleteGroup(work, group);
    return false;
  }
  // Failover first, node group by node group: a failover changes what the rest of the pass would do.
  for (const nodeGroup of group.nodeGroups) {
    if ((await superviseNodeGroup(work, group, nodeGroup, observed)) === "healed") return true;
  }

  const all = membersOf(group);
  for (const member of all.filter((candidate) => candidate.status === "deleting")) await deleteCluster(work, member);
  if (group.nodeGroups.some((nodeGroup) => nodeGroup.status === "deleting")) await work.store.replicationGroups.forgetEmptyNodeGroups(group.id);
  const handles = new Map<string, NodeHandle>();
  try {
    await Promise.all(
      all
        .filter((member) => member.status !== "deleting")
        .map(async (member) => {
          // A member of a node group has exactly one node.
          const [handle] = (await ensureNodes(work, member, observed)).values();
          if (handle) handles.set(member.id, handle);
        }),
    );
  } catch (error) {
    if (group.status === "creating") {
      await failGroup(work, group, error);
      return false;
    }
    throw error;
  }

  const replicaHandles: NodeHandle[] = [];
  if (group.clusterEnabled) {
    const formed = await formCluster(work, group, handles);
    if (!formed) return false;
    if (group.resharding) {
      // The new shards are in the cluster: move the slots, then read everything again.
      await migrateSlots(work, group, handles);
      return true;
    }
    replicaHandles.push(...formed);
  } else {
    for (const nodeGroup of group.nodeGroups) replicaHandles.push(...(await replicate(work, group, nodeGroup, handles)));
  }
  if (group.status === "modifying") {
    const maxmemory = maxmemoryOf(group.cacheNodeType);
    await Promise.all([...handles.values()].map((handle) => work.redis.configSet(handle.adminAddress, "maxmemory", maxmemory)));
  }
  if (!(await waitForReplicaLinks(work.redis, replicaHandles, work.syncTimeoutMs))) return false;
  return !(await markAvailable(work, group));
}

/** Points the node group's replicas at its primary; returns the replicas' handles. */
async function replicate(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, handles: Map<string, NodeHandle>): Promise<NodeHandle[]> {
  const members = nodeGroup.members.filter((member) => member.status !== "deleting");
  const primary = members.find((member) => member.role === "primary");
  if (!primary) throw new Error(`node group ${nodeGroup.id} of replication group ${group.id} has no primary member`);
  const replicas = members.filter((member) => member.role === "replica").map((member) => handles.get(member.id)!);
  await configureReplication(work.redis, handles.get(primary.id)!, replicas);
  return replicas;
}

/** Records the group available as read; false when it changed meanwhile (a new pass follows). */
async function markAvailable(work: ControllerContext, group: ReplicationGroup): Promise<boolean> {
  const all = membersOf(group);
  const members = all.filter((member) => member.status !== "deleting");
  const pendingNodes = members.flatMap((member) => member.nodes.filter((node) => node.status !== "available"));
  const pendingClusters = members.filter((member) => member.status !== "available");
  const removedMembers = all.length !== members.length;
  if (group.status === "available" && pendingNodes.length === 0 && pendingClusters.length === 0 && !removedMembers) return true;
  const events: NewEvent[] = [];
  for (const node of pendingNodes) {
    if (node.status === "creating") events.push(event("cache-cluster", node.clusterId, `Added cache node ${node.nodeId} in availability zone ${node.az}`));
    else if (node.status === "failed") events.push(event("cache-cluster", node.clusterId, `Finished recovery for cache nodes ${node.nodeId}`));
  }
  if (group.status !== "available") {
    const message = group.status === "creating" ? `Replication group ${group.id} is available` : `Replication group ${group.id} modified`;
    events.push(event("replication-group", group.id, message));
  }
  const settled = await work.store.replicationGroups.markAvailable(
    group.id,
    group.version,
    { nodes: pendingNodes.map((node) => ({ clusterId: node.clusterId, nodeId: node.nodeId })), clusterIds: pendingClusters.map((member) => member.id) },
    events,
  );
  if (settled) work.onTopology?.(group.id);
  return settled;
}

async function failGroup(work: ControllerContext, group: ReplicationGroup, error: unknown): Promise<void> {
  await removeNodes(work, membersOf(group).flatMap((member) => member.nodes.map((node) => node.runtimeName)));
  await work.store.replicationGroups.markCreateFailed(group.id, [
    event("replication-group", group.id, `Failed to create replication group ${group.id}: ${reasonOf(error)}`),
  ]);
}

async function deleteGroup(work: ControllerContext, group: ReplicationGroup): Promise<void> {
  // The group is "deleting": its endpoints close first, so nothing listens on its ports once it is gone.
  await work.onTopology?.(group.id);
  for (const member of membersOf(group)) await deleteCluster(work, member);
  await work.store.replicationGroups.remove(group.id, arnOf(work.account, "replicationgroup", group.id), [
    event("replication-group", group.id, `Replication group ${group.id} deleted`),
  ]);
  work.onTopology?.(group.id);
}
