/**
 * Automatic failover and TestFailover, as a sequence of recorded phases so that a control plane
 * killed at any point resumes where it stopped:
 *   decide   the failed primary and the elected replica are written to the group (status modifying);
 *            TestFailover records only the primary to fail, and the election happens here
 *   promote  REPLICAOF NO ONE on the elected replica, the other replicas follow it, roles and
 *            PrimaryClusterId swap in the store, endpoints switch, events "Failover … completed"
 *   recover  the failed node is started again (or stopped first, if it still runs) and joins as a
 *            replica of the new primary, events "Recovering …" / "Finished recovery …"
 * Never two writable primaries behind the endpoints: the endpoints only follow the store, the
 * store names one primary, and a recovered node is made a replica before it is marked healthy.
 */
import { recordEvent } from "../elasticache/events.ts";
import { groupWithMembers, type ClusterRow, type GroupRow } from "../elasticache/shapes.ts";
import type { Address } from "../runtime/types.ts";
import type { Db } from "../store/database.ts";
import { electReplica } from "./elect.ts";
import type { GroupWork } from "./group-reconciler.ts";
import { nodeSpecOf } from "./node-spec.ts";
import { waitForReplicaLinks } from "./replication.ts";

export interface FailoverRecord {
  from: string;
  /** The elected replica; absent while phase is "decide" (TestFailover has asked, nobody is elected yet). */
  to?: string;
  test: boolean;
  phase: "decide" | "promote" | "recover";
}

export function failoverOf(group: { failover: string | null }): FailoverRecord | undefined {
  return group.failover ? (JSON.parse(group.failover) as FailoverRecord) : undefined;
}

const adminOf = (cluster: ClusterRow): Address | undefined => {
  const node = cluster.nodes[0];
  return node?.adminHost && node.adminPort ? { host: node.adminHost, port: node.adminPort } : undefined;
};
const peerOf = (cluster: ClusterRow): Address | undefined => {
  const node = cluster.nodes[0];
  return node?.peerHost && node.peerPort ? { host: node.peerHost, port: node.peerPort } : undefined;
};

/**
 * The decision: elects a replica and records the failover. Returns false when no replica can
 * take over (the caller then restarts the primary in place).
 */
export async function decideFailover(work: GroupWork, group: GroupRow, failedPrimary: ClusterRow, test: boolean): Promise<boolean> {
  const replicas = group.clusters.filter((cluster) => cluster.role === "replica" && cluster.status !== "deleting");
  const offsets = await Promise.all(
    replicas.map(async (cluster) => {
      const admin = adminOf(cluster);
      const node = cluster.nodes[0];
      if (!admin || !node?.healthy || node.status !== "available") return { clusterId: cluster.id, offset: undefined };
      const info = await work.redis.infoReplication(admin).catch(() => undefined);
      return { clusterId: cluster.id, offset: info?.role === "slave" ? info.slaveReplOffset ?? 0 : info ? 0 : undefined };
    }),
  );
  const to = electReplica(offsets);
  if (!to) return false;
  const record: FailoverRecord = { from: failedPrimary.id, to, test, phase: "promote" };
  await work.db.replicationGroup.update({ where: { id: group.id }, data: { failover: JSON.stringify(record), status: "modifying" } });
  return true;
}

async function reload(db: Db, id: string): Promise<GroupRow> {
  return db.replicationGroup.findUniqueOrThrow({ where: { id }, include: groupWithMembers });
}

/** Runs the remaining phases of the recorded failover; idempotent. */
export async function resumeFailover(work: GroupWork, groupId: string): Promise<void> {
  let group = await reload(work.db, groupId);
  let record = failoverOf(group);
  if (!record) return;
  const find = (id: string | undefined) => group.clusters.find((cluster) => cluster.id === id);
  if (record.phase === "decide") {
    const primary = find(record.from);
    if (!primary || !(await decideFailover(work, group, primary, record.test))) {
      await work.db.$transaction(async (tx) => {
        await tx.replicationGroup.update({ where: { id: groupId }, data: { failover: null, status: "available" } });
        await recordEvent(tx, "replication-group", groupId, `Failover of node group 0001 was not performed: no healthy replica can take over`);
      });
      return;
    }
    group = await reload(work.db, groupId);
    record = failoverOf(group)!;
  }
  const failed = find(record.from);
  const elected = find(record.to);
  if (!failed || !elected) {
    // A member vanished under us (deleted): give up on this failover; the next pass reconciles.
    await work.db.replicationGroup.update({ where: { id: groupId }, data: { failover: null, status: "available" } });
    return;
  }

  if (record.phase === "promote") {
    const electedAdmin = adminOf(elected);
    const electedPeer = peerOf(elected);
    if (!electedAdmin || !electedPeer) throw new Error(`elected replica ${elected.id} has no recorded address`);
    // Make sure the failed primary takes no more writes before anyone else is promoted.
    await work.runtime.kill(failed.nodes[0].runtimeName);
    try {
      await work.redis.promote(electedAdmin);
    } catch (error) {
      // The elected replica died too: forget this election; the next pass decides again.
      await work.db.$transaction(async (tx) => {
        await tx.cacheNode.updateMany({ where: { clusterId: elected.id }, data: { healthy: false, status: "failed" } });
        await tx.replicationGroup.update({ where: { id: groupId }, data: { failover: null } });
      });
      throw error;
    }
    const others = group.clusters.filter((cluster) => cluster.role === "replica" && cluster.id !== elected.id && cluster.status !== "deleting");
    await Promise.all(
      others.map(async (cluster) => {
        const admin = adminOf(cluster);
        if (admin) await work.redis.replicaOf(admin, electedPeer).catch(() => undefined);
      }),
    );
    record = { ...record, phase: "recover" };
    const message = `Failover from primary node ${failed.id} to replica node ${elected.id} completed`;
    await work.db.$transaction(async (tx) => {
      await tx.cacheCluster.update({ where: { id: elected.id }, data: { role: "primary" } });
      await tx.cacheCluster.update({ where: { id: failed.id }, data: { role: "replica" } });
      await tx.cacheNode.updateMany({ where: { clusterId: failed.id }, data: { healthy: false, status: "rebooting" } });
      await tx.replicationGroup.update({ where: { id: groupId }, data: { primaryClusterId: elected.id, failover: JSON.stringify(record) } });
      await recordEvent(tx, "cache-cluster", failed.id, message);
      await recordEvent(tx, "replication-group", groupId, message);
      await recordEvent(tx, "cache-cluster", failed.id, `Recovering cache nodes ${failed.nodes.map((node) => node.nodeId).join(",")}`);
    });
    work.onTopology?.(groupId);
    group = await reload(work.db, groupId);
  }

  // recover: the old primary comes back as a replica of the new one.
  const recovering = find(record.from)!;
  const primary = find(record.to)!;
  const node = recovering.nodes[0];
  const primaryAdmin = adminOf(primary);
  if (!primaryAdmin || !(await work.redis.ping(primaryAdmin).then(() => true, () => false))) {
    // The promoted replica died too (several nodes failing at once). This failover is over; the
    // next pass sees a failed primary and fails over again, and recovers both nodes.
    await work.db.$transaction(async (tx) => {
      await tx.cacheNode.updateMany({ where: { clusterId: primary.id }, data: { status: "failed", healthy: false } });
      await tx.cacheNode.updateMany({ where: { clusterId: recovering.id }, data: { status: "failed", healthy: false } });
      await tx.replicationGroup.update({ where: { id: groupId }, data: { failover: null } });
    });
    return;
  }
  const handle = await work.runtime.start(nodeSpecOf(recovering, node));
  await work.redis.replicaOf(handle.adminAddress, { host: primary.nodes[0].peerHost!, port: primary.nodes[0].peerPort! });
  if (!(await waitForReplicaLinks(work.redis, [handle], work.syncTimeoutMs))) {
    throw new Error(`recovered node ${node.runtimeName} did not sync with ${primary.id}`);
  }
  await work.db.$transaction(async (tx) => {
    await tx.cacheNode.update({
      where: { clusterId_nodeId: { clusterId: recovering.id, nodeId: node.nodeId } },
      data: {
        status: "available",
        healthy: true,
        runtimeId: handle.runtimeId,
        adminHost: handle.adminAddress.host,
        adminPort: handle.adminAddress.port,
        peerHost: handle.peerAddress.host,
        peerPort: handle.peerAddress.port,
      },
    });
    await tx.replicationGroup.update({ where: { id: groupId }, data: { failover: null, status: "available" } });
    await recordEvent(tx, "cache-cluster", recovering.id, `Finished recovery for cache nodes ${node.nodeId}`);
  });
  work.onTopology?.(groupId);
}
