/**
 * One reconcile pass over one replication group: remove members being deleted, make every node
 * run, point replicas at the primary (cluster mode enabled: form the Redis Cluster, see
 * cluster-formation.ts), apply the node type or a change of transit encryption (transit-change.ts), and once every replica is in sync,
 * record the group and its members as available. Every step is idempotent; a pass interrupted
 * anywhere (a crash, kill -9) is finished by the next one.
 */
import { arnOf } from "../domain/arn.ts";
import { event, type NewEvent } from "../domain/events.ts";
import type { Address, CacheCluster, NodeGroup, ReplicationGroup } from "../domain/model.ts";
import { membersOf, nodeOf, primaryOf } from "../domain/topology.ts";
import type { NodeHandle } from "../runtime/types.ts";
import { formCluster } from "./cluster-formation.ts";
import { migrateSlots } from "./slot-migration.ts";
import { placeRestoredKeys, RestoreRefused } from "./restore-by-slot.ts";
import { reasonOf } from "./cluster-reconciler.ts";
import type { ControllerContext, Observed } from "./context.ts";
import { superviseNodeGroup } from "./failover/supervise.ts";
import { maxmemoryOf } from "./node-spec.ts";
import { deleteCluster, ensureNodes, removeNodes } from "./nodes.ts";
import { configureReplication, waitForReplicaLinks, waitForReplicasStreaming } from "./replication.ts";
import { addressesOfHandle, addressesOfNode, loggedIn, replicationPeerOf } from "./node-access.ts";
import { applyAuthTokens } from "./auth-tokens.ts";
import { applyAccessControl } from "./access-control.ts";
import { applyTransitChange } from "./transit-change.ts";
import type { ConnectionProfile } from "../engines/connection.ts";

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
  // The snapshot controller owns a snapshotting group until its snapshot is done, then makes it available.
  if (group.status === "snapshotting") return false;
  // A change of transit encryption restarts the primaries first, with their data; the replicas follow below.
  if (await applyTransitChange(work, group, observed)) return true;

  const all = membersOf(group);
  for (const member of all.filter((candidate) => candidate.status === "deleting")) await deleteCluster(work, member);
  if (group.nodeGroups.some((nodeGroup) => nodeGroup.status === "deleting")) await work.store.replicationGroups.forgetEmptyNodeGroups(group.id);
  const handles = new Map<string, NodeHandle>();
  try {
    await Promise.all(
      group.nodeGroups.flatMap((nodeGroup) => {
        // Replicas (re)start following the primary where it already ran; in a group being
        // created nobody has data yet and all start at once, the replicas pointed at it below.
        const primary = primaryOf(nodeGroup);
        const primaryPeer = primary && peerToFollow(primary);
        return nodeGroup.members
          .filter((member) => member.status !== "deleting")
          .map(async (member) => {
            // A member of a node group has exactly one node.
            const [handle] = (await ensureNodes(work, member, observed, member.role === "replica" ? primaryPeer : undefined)).values();
            if (handle) handles.set(member.id, handle);
          });
      }),
    );
  } catch (error) {
    if (group.status === "creating") {
      await failGroup(work, group, error);
      return false;
    }
    throw error;
  }

  const profiles = new Map<string, ConnectionProfile>();
  await logIn(work, all, handles, profiles);
  const replicaProfiles: ConnectionProfile[] = [];
  const replicaIds: string[] = [];
  /** Cluster mode disabled: the primary whose stream the replicas must be receiving before the group settles. */
  let streamingFrom: string | undefined;
  if (group.clusterEnabled) {
    const formed = await formCluster(work, group, handles, profiles);
    if (!formed) return false;
    // A restore from another shard layout: the keys go to their shards before the group is available.
    if (group.status === "creating" && group.restoreFiles) {
      try {
        await placeRestoredKeys(work, group, profiles);
      } catch (error) {
        if (!(error instanceof RestoreRefused)) throw error;
        await failGroup(work, group, error);
        return false;
      }
    }
    if (group.resharding) {
      // The new shards are in the cluster: move the slots, then read everything again.
      await migrateSlots(work, group, handles, profiles);
      return true;
    }
    replicaProfiles.push(...formed);
  } else {
    for (const nodeGroup of group.nodeGroups) {
      streamingFrom = primaryOf(nodeGroup)?.id;
      const replicated = await replicate(work, group, nodeGroup, handles, profiles);
      replicaProfiles.push(...replicated.profiles);
      replicaIds.push(...replicated.ids);
    }
  }
  if (group.status === "modifying") {
    const maxmemory = maxmemoryOf(group.cacheNodeType);
    await Promise.all([...profiles.values()].map((profile) => work.redis.configSet(profile, "maxmemory", maxmemory)));
    // New AUTH tokens: every node takes them without a restart.
    if (!group.security?.accessControl && group.security?.previousAuthTokens !== undefined) await applyAuthTokens(work.redis, group.security, [...profiles.values()]);
  }
  // RBAC users, on every pass over the group whatever its status: a user group changed while the
  // group was being created or recovered reaches every node too (idempotent, a few commands a node).
  if (group.security?.accessControl) {
    await applyAccessControl(work.redis, group.security, [...profiles.values()]);
    // Entering or leaving RBAC changes who the control plane is on the nodes: log in afresh.
    if (group.security.previousAuthTokens !== undefined) {
      await logIn(work, all, handles, profiles);
      replicaProfiles.splice(0, replicaProfiles.length, ...replicaIds.map((id) => profiles.get(id)!));
    }
  }
  // A group settling (created, modified, a node recovered) is available only once its replicas
  // receive the primary's stream; a steady pass only checks the links.
  const settling = !isSettled(group, pendingOf(group));
  const primaryProfile = streamingFrom === undefined ? undefined : profiles.get(streamingFrom);
  const linked =
    settling && primaryProfile
      ? await waitForReplicasStreaming(work.redis, primaryProfile, replicaProfiles, work.syncTimeoutMs)
      : await waitForReplicaLinks(work.redis, replicaProfiles, work.syncTimeoutMs);
  if (!linked) return false;
  // Every node serves the new transit mode: the endpoints take it before the group is available again.
  if (group.security?.previousTransit !== undefined) await work.onTopology?.(group.id);
  return !(await markAvailable(work, group));
}

/** How the control plane logs in to each member's node (TLS, AUTH token or its RBAC user), by member id. */
async function logIn(work: ControllerContext, members: CacheCluster[], handles: Map<string, NodeHandle>, profiles: Map<string, ConnectionProfile>): Promise<void> {
  await Promise.all(
    members
      .filter((member) => handles.has(member.id))
      .map(async (member) => profiles.set(member.id, await loggedIn(work.redis, work.certificates, member, handles.get(member.id)!.adminAddress))),
  );
}

/** Points the node group's replicas at its primary; returns the replicas' profiles and member ids. */
async function replicate(
  work: ControllerContext,
  group: ReplicationGroup,
  nodeGroup: NodeGroup,
  handles: Map<string, NodeHandle>,
  profiles: Map<string, ConnectionProfile>,
): Promise<{ profiles: ConnectionProfile[]; ids: string[] }> {
  const members = nodeGroup.members.filter((member) => member.status !== "deleting");
  const primary = members.find((member) => member.role === "primary");
  if (!primary) throw new Error(`node group ${nodeGroup.id} of replication group ${group.id} has no primary member`);
  const ids = members.filter((member) => member.role === "replica").map((member) => member.id);
  const replicas = ids.map((id) => profiles.get(id)!);
  const peer = replicationPeerOf(primary, addressesOfHandle(handles.get(primary.id)!));
  await configureReplication(work.redis, { admin: profiles.get(primary.id)!, peer }, replicas);
  return { profiles: replicas, ids };
}

/** Records the group available as read; false when it changed meanwhile (a new pass follows). */
/** What of a group is not yet recorded available: nodes, member clusters, and members being removed. */
function pendingOf(group: ReplicationGroup) {
  const all = membersOf(group);
  const members = all.filter((member) => member.status !== "deleting");
  return {
    pendingNodes: members.flatMap((member) => member.nodes.filter((node) => node.status !== "available")),
    pendingClusters: members.filter((member) => member.status !== "available"),
    removedMembers: all.length !== members.length,
  };
}

/** The group and everything in it recorded available: a pass over it has nothing to settle. */
function isSettled(group: ReplicationGroup, pending: ReturnType<typeof pendingOf>): boolean {
  return group.status === "available" && pending.pendingNodes.length === 0 && pending.pendingClusters.length === 0 && !pending.removedMembers;
}

async function markAvailable(work: ControllerContext, group: ReplicationGroup): Promise<boolean> {
  const pending = pendingOf(group);
  if (isSettled(group, pending)) return true;
  const { pendingNodes, pendingClusters } = pending;
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
  if (settled) {
    work.onTopology?.(group.id);
    // Users and user groups this group was taking become active (or go) once it has them.
    if (group.security?.accessControl) await work.store.accessControl.settle();
  }
  return settled;
}

async function failGroup(work: ControllerContext, group: ReplicationGroup, error: unknown): Promise<void> {
  await removeNodes(work, membersOf(group).flatMap((member) => member.nodes.map((node) => node.runtimeName)));
  await work.store.replicationGroups.markCreateFailed(group.id, [
    event("replication-group", group.id, `Failed to create replication group ${group.id}: ${reasonOf(error)}`),
  ]);
}

async function deleteGroup(work: ControllerContext, group: ReplicationGroup): Promise<void> {
  // A final snapshot (FinalSnapshotIdentifier) is taken first; the next pass deletes.
  if (await work.store.snapshots.taking({ replicationGroupId: group.id })) return;
  // The group is "deleting": its endpoints close first, so nothing listens on its ports once it is gone.
  await work.onTopology?.(group.id);
  // As on AWS: the group's automatic snapshots go with it (the snapshot controller removes them), manual ones stay.
  await work.store.snapshots.markAutomatedDeleting({ replicationGroupId: group.id });
  for (const member of membersOf(group)) await deleteCluster(work, member);
  await work.store.replicationGroups.remove(group.id, arnOf(work.account, "replicationgroup", group.id), [
    event("replication-group", group.id, `Replication group ${group.id} deleted`),
  ]);
  work.onTopology?.(group.id);
}

/** The address a replica of this primary replicates from (its TLS peer when the group is TLS-only); none while unknown. */
function peerToFollow(primary: CacheCluster): Address | undefined {
  const addresses = addressesOfNode(nodeOf(primary));
  if (!addresses) return undefined;
  try {
    return replicationPeerOf(primary, addresses);
  } catch {
    return undefined; // its TLS listener is not recorded yet: the replica is pointed at it after the start
  }
}
