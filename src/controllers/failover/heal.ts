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
import type { ControllerContext, Observed } from "../context.ts";
import { addressesOfNode, loggedIn, replicationPeerOf, specOf } from "../node-access.ts";
import { placementOf } from "../nodes.ts";
import { waitForReplicaLinks, waitForReplicasStreaming } from "../replication.ts";
import { shardReplicationOf } from "../shard-replication.ts";
import type { ConnectionProfile } from "../../engines/connection.ts";
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
  work.timings?.elected(decision.from);
}

/**
 * promote: the old primary is stopped (it must take no more writes), the elected replica becomes
 * the primary, the other replicas follow it; then roles swap in the store and the endpoints switch.
 * If the elected replica cannot be promoted (it died too), the election is abandoned instead.
 */
export async function promote(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, decision: Decision<"promote">, observed: Observed): Promise<void> {
  const failed = member(nodeGroup, decision.from);
  const elected = member(nodeGroup, decision.to);
  const electedNode = nodeOf(elected);
  const electedAddresses = addressesOfNode(electedNode);
  if (!electedAddresses) throw new Error(`elected replica ${elected.id} has no recorded address`);
  const electedPeer = replicationPeerOf(elected, electedAddresses);
  // A primary the runtime lists as not running (exited; no runtime here restarts a node by itself)
  // takes no writes: only one still running (hung, or failed over on request) is killed first.
  // On Docker the kill of a dead container was one more API round trip before the promotion.
  const failedName = nodeOf(failed)!.runtimeName;
  if (observed.get(failedName)?.running !== false) await work.runtime.kill(failedName);
  const replication = shardReplicationOf(work, group);
  let electedProfile: ConnectionProfile;
  try {
    electedProfile = await loggedIn(work.redis, work.certificates, elected, electedAddresses.admin);
    await replication.promote(electedProfile);
  } catch {
    await abandon(work, group, nodeGroup, { action: "abandon", phase: "promote", reason: "elected-died", failed: [elected.id], settle: false });
    return;
  }
  const others = nodeGroup.members.filter((candidate) => candidate.role === "replica" && candidate.id !== elected.id && candidate.status !== "deleting");
  await Promise.all(
    others.map(async (other) => {
      const admin = nodeOf(other)?.admin;
      if (admin) {
        await loggedIn(work.redis, work.certificates, other, admin)
          .then((profile) => replication.follow(profile, { admin: electedProfile, peer: electedPeer }))
          .catch(() => undefined);
      }
    }),
  );
  const message = `Failover from primary node ${failed.id} to replica node ${elected.id} completed`;
  await work.store.failovers.promoted(keyOf(nodeGroup), { phase: "promote", from: failed.id, to: elected.id, test: decision.test }, [
    event("cache-cluster", failed.id, message),
    event("replication-group", group.id, message),
    event("cache-cluster", failed.id, `Recovering cache nodes ${failed.nodes.map((node) => node.nodeId).join(",")}`),
  ]);
  work.timings?.promoted(failed.id);
  void Promise.resolve(work.onTopology?.(group.id)).then(() =>
    work.timings?.switched(failed.id, { replicationGroup: group.id, nodeGroup: nodeGroup.id, to: elected.id, test: decision.test }),
  );
}

/**
 * recover: the old primary starts again as a replica of the new one (from its first moment: it
 * never answers as a master with an empty dataset) and syncs. REPLICAOF after the start covers a
 * node that was still running and was adopted as it was.
 */
export async function recover(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, decision: Decision<"recover">): Promise<void> {
  const recovering = member(nodeGroup, decision.from);
  const primary = member(nodeGroup, decision.to);
  const primaryAddresses = addressesOfNode(nodeOf(primary));
  if (!primaryAddresses) throw new Error(`primary ${primary.id} has no recorded address`);
  const node = nodeOf(recovering)!;
  const peer = replicationPeerOf(primary, primaryAddresses);
  const handle = await work.runtime.start(await specOf(work.certificates, recovering, node, { replicaOf: peer, announceHost: work.announceHost }));
  const profile = await loggedIn(work.redis, work.certificates, recovering, handle.adminAddress);
  const primaryProfile = await loggedIn(work.redis, work.certificates, primary, primaryAddresses.admin);
  await shardReplicationOf(work, group).follow(profile, { admin: primaryProfile, peer });
  const synced = group.clusterEnabled
    ? await waitForReplicaLinks(work.redis, [profile], work.syncTimeoutMs)
    : await waitForReplicasStreaming(work.redis, primaryProfile, [profile], work.syncTimeoutMs);
  if (!synced) {
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
  const primary = primaryOf(nodeGroup)!;
  const addresses = addressesOfNode(nodeOf(primary));
  if (!addresses) return;
  const peer = replicationPeerOf(primary, addresses);
  const primaryProfile = await loggedIn(work.redis, work.certificates, primary, addresses.admin);
  const replication = shardReplicationOf(work, group);
  await Promise.all(
    ids.map(async (id) => {
      const demoted = member(nodeGroup, id);
      const admin = nodeOf(demoted)?.admin;
      if (admin) await replication.follow(await loggedIn(work.redis, work.certificates, demoted, admin), { admin: primaryProfile, peer });
    }),
  );
}
