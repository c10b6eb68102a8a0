/**
 * Automatic failover and TestFailover, as a sequence of recorded phases so that a control plane
 * killed at any point resumes where it stopped:
 *   decide   the failed primary and the elected replica are written to the node group (group modifying);
 *            TestFailover records only the primary to fail, and the election happens here
 *   promote  REPLICAOF NO ONE on the elected replica, the other replicas follow it, roles swap in
 *            the store, endpoints switch, events "Failover … completed"
 *   recover  the failed node is started again (or stopped first, if it still runs) and joins as a
 *            replica of the new primary, events "Recovering …" / "Finished recovery …"
 * Never two writable primaries behind the endpoints: the endpoints only follow the store, the
 * store names one primary, and a recovered node is made a replica before it is marked available.
 */
import { event } from "../domain/events.ts";
import type { CacheCluster, NodeGroup, ReplicationGroup } from "../domain/model.ts";
import { isAvailable, nodeOf } from "../domain/topology.ts";
import type { NodeGroupKey } from "../store/index.ts";
import type { ControllerContext } from "./context.ts";
import { electReplica } from "./elect.ts";
import { nodeSpecOf } from "./node-spec.ts";
import { placementOf } from "./nodes.ts";
import { waitForReplicaLinks } from "./replication.ts";

const keyOf = (nodeGroup: NodeGroup): NodeGroupKey => ({ replicationGroupId: nodeGroup.replicationGroupId, nodeGroupId: nodeGroup.id });

/**
 * The decision: elects a replica and records the failover. Returns false when no replica can
 * take over (the caller then restarts the primary in place).
 */
export async function decideFailover(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, failedPrimary: CacheCluster, test: boolean): Promise<boolean> {
  const replicas = nodeGroup.members.filter((member) => member.role === "replica" && member.status !== "deleting");
  const offsets = await Promise.all(
    replicas.map(async (member) => {
      const node = nodeOf(member);
      if (!node?.admin || !isAvailable(node)) return { clusterId: member.id, offset: undefined };
      const info = await work.redis.infoReplication(node.admin).catch(() => undefined);
      return { clusterId: member.id, offset: info?.role === "slave" ? info.slaveReplOffset ?? 0 : info ? 0 : undefined };
    }),
  );
  const to = electReplica(offsets);
  if (!to) return false;
  await work.store.failovers.elect(keyOf(nodeGroup), { from: failedPrimary.id, to, test }, nodeGroup.failover?.phase === "decide" ? "decide" : undefined, []);
  return true;
}

async function reloadNodeGroup(work: ControllerContext, group: ReplicationGroup, nodeGroupId: string): Promise<NodeGroup> {
  const fresh = (await work.store.replicationGroups.get(group.id))!;
  return fresh.nodeGroups.find((candidate) => candidate.id === nodeGroupId)!;
}

/** Runs the remaining phases of the recorded failover; idempotent. */
export async function resumeFailover(work: ControllerContext, group: ReplicationGroup, start: NodeGroup): Promise<void> {
  let nodeGroup = start;
  let record = nodeGroup.failover;
  if (!record) return;
  const key = keyOf(nodeGroup);
  const find = (id: string | undefined) => nodeGroup.members.find((member) => member.id === id);
  if (record.phase === "decide") {
    const primary = find(record.from);
    if (!primary || !(await decideFailover(work, group, nodeGroup, primary, record.test))) {
      await work.store.failovers.abandon(key, "decide", { failed: [], settle: true }, [
        event("replication-group", group.id, `Failover of node group ${nodeGroup.id} was not performed: no healthy replica can take over`),
      ]);
      return;
    }
    nodeGroup = await reloadNodeGroup(work, group, key.nodeGroupId);
    record = nodeGroup.failover!;
  }
  const failed = find(record.from);
  const elected = find(record.to);
  if (!failed || !elected) {
    // A member vanished under us (deleted): give up on this failover; the next pass reconciles.
    await work.store.failovers.abandon(key, record.phase, { failed: [], settle: true }, []);
    return;
  }

  if (record.phase === "promote") {
    const electedNode = nodeOf(elected);
    if (!electedNode?.admin || !electedNode.peer) throw new Error(`elected replica ${elected.id} has no recorded address`);
    // Make sure the failed primary takes no more writes before anyone else is promoted.
    await work.runtime.kill(nodeOf(failed)!.runtimeName);
    try {
      await work.redis.promote(electedNode.admin);
    } catch (error) {
      // The elected replica died too: forget this election; the next pass decides again.
      await work.store.failovers.abandon(key, "promote", { failed: [elected.id], settle: false }, []);
      throw error;
    }
    const others = nodeGroup.members.filter((member) => member.role === "replica" && member.id !== elected.id && member.status !== "deleting");
    await Promise.all(
      others.map(async (member) => {
        const admin = nodeOf(member)?.admin;
        if (admin) await work.redis.replicaOf(admin, electedNode.peer!).catch(() => undefined);
      }),
    );
    const message = `Failover from primary node ${failed.id} to replica node ${elected.id} completed`;
    await work.store.failovers.promoted(key, { ...record, to: elected.id }, [
      event("cache-cluster", failed.id, message),
      event("replication-group", group.id, message),
      event("cache-cluster", failed.id, `Recovering cache nodes ${failed.nodes.map((node) => node.nodeId).join(",")}`),
    ]);
    work.onTopology?.(group.id);
    nodeGroup = await reloadNodeGroup(work, group, key.nodeGroupId);
  }

  // recover: the old primary comes back as a replica of the new one.
  const recovering = find(record.from)!;
  const primary = find(record.to)!;
  const node = nodeOf(recovering)!;
  const primaryNode = nodeOf(primary);
  if (!primaryNode?.admin || !(await work.redis.ping(primaryNode.admin).then(() => true, () => false))) {
    // The promoted replica died too (several nodes failing at once). This failover is over; the
    // next pass sees a failed primary and fails over again, and recovers both nodes.
    await work.store.failovers.abandon(key, "recover", { failed: [primary.id, recovering.id], settle: false }, []);
    return;
  }
  const handle = await work.runtime.start(nodeSpecOf(recovering, node));
  await work.redis.replicaOf(handle.adminAddress, primaryNode.peer!);
  if (!(await waitForReplicaLinks(work.redis, [handle], work.syncTimeoutMs))) {
    throw new Error(`recovered node ${node.runtimeName} did not sync with ${primary.id}`);
  }
  await work.store.failovers.recovered(key, { clusterId: recovering.id, nodeId: node.nodeId }, placementOf(handle), [
    event("cache-cluster", recovering.id, `Finished recovery for cache nodes ${node.nodeId}`),
  ]);
  work.onTopology?.(group.id);
}
