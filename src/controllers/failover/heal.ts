/**
 * The healer: one function per failover phase, each doing what its decision says on the nodes and
 * then recording the phase's outcome with its events in one store write, so a control plane killed
 * between two phases resumes at the next one. Never two writable primaries behind the endpoints:
 * the endpoints follow the store, the store names one primary, the old primary is stopped before
 * anyone is promoted, and a recovered node is a replica before it is marked available.
 */
import { event } from "../../domain/events.ts";
import type { CacheCluster, NodeGroup, ReplicationGroup } from "../../domain/model.ts";
import { nodeOf, primaryOf } from "../../domain/topology.ts";
import type { NodeGroupKey } from "../../store/index.ts";
import type { ControllerContext } from "../context.ts";
import { nodeSpecOf } from "../node-spec.ts";
import { placementOf } from "../nodes.ts";
import { waitForReplicaLinks } from "../replication.ts";
import { shardReplicationOf } from "../shard-replication.ts";
import type { FailoverDecision } from "./decide.ts";

type Decision<A extends FailoverDecision["action"]> = Extract<FailoverDecision, { action: A }>;

const keyOf = (nodeGroup: NodeGroup): NodeGroupKey => ({ replicationGroupId: nodeGroup.replicationGroupId, nodeGroupId: nodeGroup.id });

function member(nodeGroup: NodeGroup, id: string): CacheCluster {
  const found = nodeGroup.members.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`member ${id} is not in node group ${nodeGroup.id}`);
  return found;
}

/** elect: the choice is recorded (phase promote); the group is modifying. */
export async function recordElection(work: ControllerContext, nodeGroup: NodeGroup, decision: Decision<"elect">): Promise<void> {
  await work.store.failovers.elect(keyOf(nodeGroup), { from: decision.from, to: decision.to, test: decision.test }, decision.expected, []);
}

/**
 * promote: the old primary is stopped (it must take no more writes), the elected replica becomes
 * the primary, the other replicas follow it; then roles swap in the store and the endpoints switch.
 * If the elected replica cannot be promoted (it died too), the election is abandoned instead.
 */
export async function promote(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, decision: Decision<"promote">): Promise<void> {
  const failed = member(nodeGroup, decision.from);
  const elected = member(nodeGroup, decision.to);
  const electedNode = nodeOf(elected);
  if (!electedNode?.admin || !electedNode.peer) throw new Error(`elected replica ${elected.id} has no recorded address`);
  await work.runtime.kill(nodeOf(failed)!.runtimeName);
  const replication = shardReplicationOf(work, group);
  try {
    await replication.promote(electedNode.admin);
  } catch {
    await abandon(work, group, nodeGroup, { action: "abandon", phase: "promote", reason: "elected-died", failed: [elected.id], settle: false });
    return;
  }
  const others = nodeGroup.members.filter((candidate) => candidate.role === "replica" && candidate.id !== elected.id && candidate.status !== "deleting");
  await Promise.all(
    others.map(async (other) => {
      const admin = nodeOf(other)?.admin;
      if (admin) await replication.follow(admin, { admin: electedNode.admin!, peer: electedNode.peer! }).catch(() => undefined);
    }),
  );
  const message = `Failover from primary node ${failed.id} to replica node ${elected.id} completed`;
  await work.store.failovers.promoted(keyOf(nodeGroup), { phase: "promote", from: failed.id, to: elected.id, test: decision.test }, [
    event("cache-cluster", failed.id, message),
    event("replication-group", group.id, message),
    event("cache-cluster", failed.id, `Recovering cache nodes ${failed.nodes.map((node) => node.nodeId).join(",")}`),
  ]);
  work.onTopology?.(group.id);
}

/** recover: the old primary starts again (stopped first if it still runs) and syncs as a replica of the new one. */
export async function recover(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, decision: Decision<"recover">): Promise<void> {
  const recovering = member(nodeGroup, decision.from);
  const primaryNode = nodeOf(member(nodeGroup, decision.to))!;
  const node = nodeOf(recovering)!;
  const handle = await work.runtime.start(nodeSpecOf(recovering, node, work.announceHost));
  await shardReplicationOf(work, group).follow(handle.adminAddress, { admin: primaryNode.admin!, peer: primaryNode.peer! });
  if (!(await waitForReplicaLinks(work.redis, [handle], work.syncTimeoutMs))) {
    throw new Error(`recovered node ${node.runtimeName} did not sync with ${decision.to}`);
  }
  await work.store.failovers.recovered(keyOf(nodeGroup), { clusterId: recovering.id, nodeId: node.nodeId }, placementOf(handle), [
    event("cache-cluster", recovering.id, `Finished recovery for cache nodes ${node.nodeId}`),
  ]);
  work.onTopology?.(group.id);
}

/** abandon: the record is cleared (dead members marked failed); a TestFailover that cannot happen says so. */
export async function abandon(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, decision: Decision<"abandon">): Promise<void> {
  const events =
    decision.phase === "decide"
      ? [event("replication-group", group.id, `Failover of node group ${nodeGroup.id} was not performed: no healthy replica can take over`)]
      : [];
  await work.store.failovers.abandon(keyOf(nodeGroup), decision.phase, { failed: decision.failed, settle: decision.settle }, events);
}

/** restart-in-place: said in an event; the reconciler's normal pass restarts the primary. */
export async function restartInPlace(work: ControllerContext, group: ReplicationGroup, decision: Decision<"restart-in-place">): Promise<void> {
  const message =
    decision.reason === "no-candidate"
      ? `Primary node ${decision.primary} failed and no replica can take over; restarting it in place`
      : `Primary node ${decision.primary} failed; restarting it in place because automatic failover is disabled`;
  await work.store.events.record(event("replication-group", group.id, message));
}

/** steady with replicas that claim to be primaries: they follow the primary again. */
export async function demote(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, ids: string[]): Promise<void> {
  const primary = nodeOf(primaryOf(nodeGroup)!);
  if (!primary?.peer || !primary.admin) return;
  const replication = shardReplicationOf(work, group);
  await Promise.all(
    ids.map(async (id) => {
      const admin = nodeOf(member(nodeGroup, id))?.admin;
      if (admin) await replication.follow(admin, { admin: primary.admin!, peer: primary.peer! });
    }),
  );
}
