/**
 * Snapshots as the operations and the controllers share them: a backup of a replication group or
 * a single-node Redis cluster, with one RDB file per node group. A cluster-mode group keeps one
 * entry per shard with its slot ranges, so restoring one is a matter of starting each new shard's
 * primary from the entry whose slots it takes.
 */
import path from "node:path";

export type SnapshotStatus = "creating" | "available" | "copying" | "deleting" | "failed";
export type SnapshotSource = "manual" | "automated";

/** One node group's data in a snapshot. */
export interface SnapshotNodeGroup {
  nodeGroupId: string;
  /** The member and node the file was taken from. */
  cacheClusterId: string;
  cacheNodeId: string;
  /** Slot ranges of the shard ("0-16383" for cluster mode disabled). */
  slots: string;
  /** Host path of the RDB file; empty until it is written. */
  file: string;
  bytes: number;
  createdAt?: Date;
}

/** The source's settings, kept so that a restore can recreate it. */
export interface SnapshotSettings {
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  numCacheClusters: number;
  port: number;
  subnetGroupName: string;
  parameterGroupName: string;
  preferredAz?: string;
  automaticFailover: boolean;
  snapshotRetentionLimit: number;
  snapshotWindow?: string;
}

export interface Snapshot extends SnapshotSettings {
  name: string;
  status: SnapshotStatus;
  source: SnapshotSource;
  replicationGroupId?: string;
  replicationGroupDescription?: string;
  cacheClusterId?: string;
  nodeGroups: SnapshotNodeGroup[];
  createdAt: Date;
}

export const ALL_SLOTS = "0-16383";

/** Where a snapshot's node group file lives: <snapshot dir>/<name>/<nodeGroupId>.rdb. Names are letters, digits, hyphens and dots, starting with a letter. */
export function snapshotFileOf(snapshotDir: string, name: string, nodeGroupId: string): string {
  return path.join(snapshotDir, name, `${nodeGroupId}.rdb`);
}

export const snapshotFolderOf = (snapshotDir: string, name: string) => path.join(snapshotDir, name);

/** AWS's name for an automatic snapshot: automatic.<source id>-yyyy-mm-dd-hh-mm (UTC). */
export function automatedSnapshotName(sourceId: string, at: Date): string {
  const iso = at.toISOString();
  return `automatic.${sourceId}-${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}`;
}
