/**
 * Snapshots. Taking one marks its source `snapshotting` in the same transaction that inserts the
 * row (conditional on the version the operation read), and finishing one puts the source back to
 * `available`, so a group is never left snapshotting without a snapshot in progress.
 */
import type { NewEvent } from "../domain/events.ts";
import type { Snapshot, SnapshotNodeGroup, SnapshotSource, SnapshotStatus } from "../domain/snapshots.ts";
import { updateClusterAt } from "./cache-clusters.ts";
import type { Db, Tx } from "./database.ts";
import { StaleWriteError } from "./errors.ts";
import { writeEvents } from "./events.ts";
import { updateGroupAt } from "./replication-groups.ts";
import { insertSnapshot, toSnapshot, type NewSnapshot } from "./snapshot-rows.ts";

export type { NewSnapshot } from "./snapshot-rows.ts";

/** The resource a snapshot is taken of, at the version the operation read. */
export interface SnapshotSourceGuard {
  kind: "replication-group" | "cache-cluster";
  id: string;
  version: number;
}

export interface SnapshotFilter {
  name?: string;
  replicationGroupId?: string;
  cacheClusterId?: string;
  source?: SnapshotSource;
}

async function setSourceStatus(tx: Tx, source: { kind: SnapshotSourceGuard["kind"]; id: string }, from: string, to: string): Promise<void> {
  const where = { id: source.id, status: from };
  if (source.kind === "replication-group") await tx.replicationGroup.updateMany({ where, data: { status: to, version: { increment: 1 } } });
  else await tx.cacheCluster.updateMany({ where, data: { status: to, version: { increment: 1 } } });
}

export class SnapshotRepository {
  constructor(private readonly db: Db) {}

  async get(name: string): Promise<Snapshot | undefined> {
    const row = await this.db.snapshot.findUnique({ where: { name } });
    return row ? toSnapshot(row) : undefined;
  }

  async list(filter: SnapshotFilter = {}): Promise<Snapshot[]> {
    const rows = await this.db.snapshot.findMany({
      where: {
        name: filter.name,
        replicationGroupId: filter.replicationGroupId,
        cacheClusterId: filter.cacheClusterId,
        source: filter.source,
      },
      orderBy: { name: "asc" },
    });
    return rows.map(toSnapshot);
  }

  /** Whether a snapshot of the source is being taken (a delete waits for its final snapshot). */
  async taking(source: { replicationGroupId?: string; cacheClusterId?: string }): Promise<boolean> {
    return (await this.db.snapshot.count({ where: { ...source, status: "creating" } })) > 0;
  }

  /** Snapshots the controller has work on. */
  async pending(): Promise<Snapshot[]> {
    const rows = await this.db.snapshot.findMany({ where: { status: { in: ["creating", "copying", "deleting"] } }, orderBy: { createdAt: "asc" } });
    return rows.map(toSnapshot);
  }

  /**
   * A new snapshot of `source` (status creating): the source goes `snapshotting` if it is still at
   * the version read; without `source` (a copy) only the row is written.
   */
  create(snapshot: NewSnapshot, source: SnapshotSourceGuard | undefined, events: NewEvent[]): Promise<Snapshot> {
    return this.db.$transaction(async (tx) => {
      if (source?.kind === "replication-group") await updateGroupAt(tx, source.id, source.version, { status: "snapshotting" });
      else if (source) await updateClusterAt(tx, source.id, source.version, { status: "snapshotting" });
      await insertSnapshot(tx, snapshot);
      await writeEvents(tx, events);
      return toSnapshot((await tx.snapshot.findUnique({ where: { name: snapshot.name } }))!);
    });
  }

  /** The controller is done with a snapshot (available or failed); its source is available again. */
  async finish(name: string, status: "available" | "failed", nodeGroups: SnapshotNodeGroup[], events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const row = await tx.snapshot.findUnique({ where: { name } });
      if (!row) return;
      await tx.snapshot.update({ where: { name }, data: { status, nodeGroups: JSON.stringify(nodeGroups) } });
      if (row.status === "creating") {
        if (row.replicationGroupId) await setSourceStatus(tx, { kind: "replication-group", id: row.replicationGroupId }, "snapshotting", "available");
        else if (row.cacheClusterId) await setSourceStatus(tx, { kind: "cache-cluster", id: row.cacheClusterId }, "snapshotting", "available");
      }
      await writeEvents(tx, events);
    });
  }

  /** DeleteSnapshot: only a snapshot that is available or failed; the controller removes its files, then the row. */
  async markDeleting(name: string, events: NewEvent[]): Promise<Snapshot> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.snapshot.updateMany({ where: { name, status: { in: ["available", "failed"] } }, data: { status: "deleting" } });
      if (count === 0) throw new StaleWriteError("snapshot", name);
      await writeEvents(tx, events);
      return toSnapshot((await tx.snapshot.findUnique({ where: { name } }))!);
    });
  }

  /** DeleteReplicationGroup / DeleteCacheCluster: the source's automated snapshots go with it. */
  async markAutomatedDeleting(source: { replicationGroupId?: string; cacheClusterId?: string }): Promise<void> {
    await this.db.snapshot.updateMany({ where: { ...source, source: "automated", status: { in: ["available", "failed"] } }, data: { status: "deleting" } });
  }

  async remove(name: string, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.snapshot.deleteMany({ where: { name } });
      await writeEvents(tx, events);
    });
  }
}
