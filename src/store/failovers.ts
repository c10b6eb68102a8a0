/**
 * The failover record of a node group, written phase by phase, each phase one transaction with
 * the roles, node statuses and events that go with it (see domain/model.ts FailoverRecord and
 * controllers/failover/). The group is modifying while a node group fails over and available once
 * none does. Every write names the phase it expects, so a second writer (a restarted control
 * plane, a concurrent TestFailover) cannot run a phase twice.
 */
import type { NewEvent } from "../domain/events.ts";
import type { FailoverRecord } from "../domain/model.ts";
import { bump, type Db, type Tx } from "./database.ts";
import { StaleWriteError } from "./errors.ts";
import { writeEvents } from "./events.ts";
import { failoverColumns } from "./failover-columns.ts";
import type { NodeKey, NodePlacement } from "./nodes.ts";

export interface NodeGroupKey {
  replicationGroupId: string;
  nodeGroupId: string;
}

const keyOf = (key: NodeGroupKey) => ({ replicationGroupId_nodeGroupId: key });
const name = (key: NodeGroupKey) => `${key.replicationGroupId}/${key.nodeGroupId}`;

/** Writes the record only when the node group is in the expected phase (undefined: none). */
async function advance(tx: Tx, key: NodeGroupKey, expected: FailoverRecord["phase"] | undefined, next: FailoverRecord | undefined): Promise<void> {
  const { count } = await tx.nodeGroup.updateMany({ where: { ...key, failoverPhase: expected ?? null }, data: failoverColumns(next) });
  if (count === 0) throw new StaleWriteError("node-group", name(key));
}

/** The group is available again once none of its node groups fails over. */
async function settleGroup(tx: Tx, replicationGroupId: string): Promise<void> {
  const busy = await tx.nodeGroup.count({ where: { replicationGroupId, failoverPhase: { not: null } } });
  if (busy === 0) await tx.replicationGroup.update({ where: { id: replicationGroupId }, data: { status: "available", ...bump } });
}

export class FailoverRepository {
  constructor(private readonly db: Db) {}

  /** A replica is elected to replace `from` (a failure, or TestFailover's request in phase decide). */
  async elect(key: NodeGroupKey, record: { from: string; to: string; test: boolean }, expected: "decide" | undefined, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await advance(tx, key, expected, { phase: "promote", ...record });
      await tx.replicationGroup.update({ where: { id: key.replicationGroupId }, data: { status: "modifying", ...bump } });
      await writeEvents(tx, events);
    });
  }

  /** `to` is the primary now: roles swap, `from`'s node is to be recovered (rebooting). */
  async promoted(key: NodeGroupKey, record: FailoverRecord & { to: string }, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await advance(tx, key, "promote", { ...record, phase: "recover" });
      await tx.cacheCluster.update({ where: { id: record.to }, data: { role: "primary", ...bump } });
      await tx.cacheCluster.update({ where: { id: record.from }, data: { role: "replica", ...bump } });
      await tx.cacheNode.updateMany({ where: { clusterId: record.from }, data: { status: "rebooting" } });
      await writeEvents(tx, events);
    });
  }

  /** `from` is back as a replica of `to`: its node is available where it now runs; the failover is over. */
  async recovered(key: NodeGroupKey, node: NodeKey, placement: NodePlacement, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await advance(tx, key, "recover", undefined);
      await tx.cacheNode.update({
        where: { clusterId_nodeId: node },
        data: {
          status: "available",
          runtimeId: placement.runtimeId,
          adminHost: placement.admin.host,
          adminPort: placement.admin.port,
          peerHost: placement.peer.host,
          peerPort: placement.peer.port,
        },
      });
      await settleGroup(tx, key.replicationGroupId);
      await writeEvents(tx, events);
    });
  }

  /**
   * The failover stops where it is: the record is cleared, the nodes of `failed` members are
   * marked failed (the next decision starts from there), and the group is available again when
   * `settle` says the failover will not be decided again at once.
   */
  async abandon(key: NodeGroupKey, expected: FailoverRecord["phase"], outcome: { failed: string[]; settle: boolean }, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await advance(tx, key, expected, undefined);
      if (outcome.failed.length > 0) await tx.cacheNode.updateMany({ where: { clusterId: { in: outcome.failed } }, data: { status: "failed" } });
      if (outcome.settle) await settleGroup(tx, key.replicationGroupId);
      await writeEvents(tx, events);
    });
  }
}
