/**
 * Snapshot rows to and from domain objects, and the insert other writes share (a final snapshot
 * goes in with its delete). Kept apart from snapshots.ts so the group and cluster repositories can
 * use it without an import cycle.
 */
import type { Snapshot, SnapshotNodeGroup, SnapshotSource, SnapshotStatus } from "../domain/snapshots.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Tx } from "./database.ts";
import { translateUnique } from "./errors.ts";

/** A snapshot to insert; `createdAt` defaults to now (an automated one is dated by the backup clock). */
export type NewSnapshot = Omit<Snapshot, "createdAt"> & { createdAt?: Date };

type Row = Prisma.SnapshotGetPayload<object>;

const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;

export function toSnapshot(row: Row): Snapshot {
  const nodeGroups = (JSON.parse(row.nodeGroups) as (SnapshotNodeGroup & { createdAt?: string })[]).map((entry) => ({
    ...entry,
    createdAt: entry.createdAt ? new Date(entry.createdAt) : undefined,
  }));
  return {
    name: row.name,
    status: row.status as SnapshotStatus,
    source: row.source as SnapshotSource,
    replicationGroupId: orUndefined(row.replicationGroupId),
    replicationGroupDescription: orUndefined(row.replicationGroupDescription),
    cacheClusterId: orUndefined(row.cacheClusterId),
    engine: row.engine,
    engineVersion: row.engineVersion,
    cacheNodeType: row.cacheNodeType,
    numCacheClusters: row.numCacheClusters,
    port: row.port,
    subnetGroupName: row.subnetGroupName,
    parameterGroupName: row.parameterGroupName,
    preferredAz: orUndefined(row.preferredAz),
    automaticFailover: row.automaticFailover,
    snapshotRetentionLimit: row.snapshotRetentionLimit,
    snapshotWindow: orUndefined(row.snapshotWindow),
    nodeGroups,
    createdAt: row.createdAt,
  };
}

function toRow(snapshot: NewSnapshot) {
  const { nodeGroups, ...rest } = snapshot;
  return { ...rest, nodeGroups: JSON.stringify(nodeGroups) };
}

/** Inserts a snapshot row inside another write (a final snapshot with its delete). */
export async function insertSnapshot(tx: Tx, snapshot: NewSnapshot): Promise<void> {
  try {
    await tx.snapshot.create({ data: toRow(snapshot) });
  } catch (error) {
    throw translateUnique(error, "snapshot", snapshot.name);
  }
}

