/**
 * SnapshotRetentionLimit, SnapshotWindow and PreferredMaintenanceWindow on CreateReplicationGroup,
 * CreateCacheCluster, ModifyReplicationGroup and ModifyCacheCluster, with AWS's rules: retention
 * 0-35 days (0: backups off); the snapshot window `hh24:mi-hh24:mi` in UTC, at least 60 minutes,
 * never overlapping the maintenance window; a window AWS assigns when none is asked for; Memcached
 * takes no backups. The maintenance window is checked but not kept (every resource reports
 * DEFAULT_MAINTENANCE_WINDOW), so a snapshot window is checked against the one given in the same
 * call, else against that default. Pure: no store access.
 */
import { errors } from "../aws/errors.ts";
import {
  DEFAULT_MAINTENANCE_WINDOW,
  MIN_WINDOW_MINUTES,
  dailyOverlapsWeekly,
  defaultSnapshotWindow,
  effectiveSnapshotWindow,
  parseDailyWindow,
  parseWeeklyWindow,
} from "../domain/backup-window.ts";
import { optionalInt, optionalString } from "./validate.ts";

export const MAX_RETENTION_DAYS = 35;

export interface BackupInput {
  SnapshotRetentionLimit?: unknown;
  SnapshotWindow?: unknown;
  PreferredMaintenanceWindow?: unknown;
}

export interface BackupSettings {
  snapshotRetentionLimit: number;
  snapshotWindow: string;
}

function snapshotWindowOf(value: unknown): string | undefined {
  const window = optionalString(value, "SnapshotWindow", 11);
  if (window === undefined) return undefined;
  const span = parseDailyWindow(window);
  if (!span) throw errors.invalidParameterValue(`Invalid SnapshotWindow "${window}"; expected hh24:mi-hh24:mi in UTC, for example 05:00-09:00.`);
  if (span.length < MIN_WINDOW_MINUTES) throw errors.invalidParameterValue("Snapshot window must be at least 60 minutes.");
  return window;
}

function maintenanceWindowOf(value: unknown): string | undefined {
  const window = optionalString(value, "PreferredMaintenanceWindow", 19);
  if (window === undefined) return undefined;
  const span = parseWeeklyWindow(window);
  if (!span) throw errors.invalidParameterValue(`Invalid PreferredMaintenanceWindow "${window}"; expected ddd:hh24:mi-ddd:hh24:mi in UTC, for example sun:23:00-mon:01:30.`);
  if (span.length < MIN_WINDOW_MINUTES) throw errors.invalidParameterValue("Maintenance window must be at least 60 minutes.");
  return window.toLowerCase();
}

function requireApart(snapshotWindow: string, maintenanceWindow: string): void {
  if (dailyOverlapsWeekly(parseDailyWindow(snapshotWindow)!, parseWeeklyWindow(maintenanceWindow)!)) {
    throw errors.invalidParameterValue("The snapshot window and maintenance window must not overlap.");
  }
}

const retentionOf = (value: unknown) => optionalInt(value, "SnapshotRetentionLimit", 0, MAX_RETENTION_DAYS);

function refuseForMemcached(retention: number | undefined): void {
  if ((retention ?? 0) > 0) throw errors.invalidParameterValue("Memcached clusters do not support snapshots: SnapshotRetentionLimit must be 0.");
}

/** A create's backup settings: the window given, or the one AWS would assign (kept, so Describe always says the same). */
export function parseCreateBackup(input: BackupInput, resourceId: string, engine: string): BackupSettings {
  const retention = retentionOf(input.SnapshotRetentionLimit) ?? 0;
  const window = snapshotWindowOf(input.SnapshotWindow);
  const maintenance = maintenanceWindowOf(input.PreferredMaintenanceWindow) ?? DEFAULT_MAINTENANCE_WINDOW;
  if (engine === "memcached") refuseForMemcached(retention);
  if (window !== undefined) requireApart(window, maintenance);
  return { snapshotRetentionLimit: retention, snapshotWindow: window ?? defaultSnapshotWindow(resourceId, maintenance) };
}

/** A modify's backup changes (undefined: unchanged), checked against the resource's current window. */
export function parseBackupChange(
  input: BackupInput,
  current: { id: string; engine: string; snapshotWindow?: string },
): Partial<BackupSettings> {
  const retention = retentionOf(input.SnapshotRetentionLimit);
  const window = snapshotWindowOf(input.SnapshotWindow);
  const maintenance = maintenanceWindowOf(input.PreferredMaintenanceWindow);
  if (current.engine === "memcached") refuseForMemcached(retention);
  if (window !== undefined || maintenance !== undefined) {
    requireApart(window ?? effectiveSnapshotWindow(current), maintenance ?? DEFAULT_MAINTENANCE_WINDOW);
  }
  return { snapshotRetentionLimit: retention, snapshotWindow: window };
}

/**
 * ModifyReplicationGroup: turning backups on (SnapshotRetentionLimit from 0) must name the member
 * to back up from, as AWS requires ("Must specify both SnapshotRetentionLimit and
 * SnapshottingClusterId to turn on snapshots"); a SnapshottingClusterId must be a member. The
 * member is checked, not kept: snapshots are taken from a healthy replica, as AWS prefers.
 */
export function requireSnapshottingCluster(
  input: { SnapshotRetentionLimit?: unknown; SnapshottingClusterId?: unknown },
  current: { id: string; snapshotRetentionLimit: number; nodeGroups: { members: { id: string }[] }[] },
): void {
  const named = optionalString(input.SnapshottingClusterId, "SnapshottingClusterId", 50)?.toLowerCase();
  if (named !== undefined && !current.nodeGroups.some((group) => group.members.some((member) => member.id === named))) {
    throw errors.invalidParameterValue(`Cache cluster ${named} is not a member of replication group ${current.id}.`);
  }
  const turningOn = current.snapshotRetentionLimit === 0 && typeof input.SnapshotRetentionLimit === "number" && input.SnapshotRetentionLimit > 0;
  if (turningOn && named === undefined) {
    throw errors.invalidParameterCombination("Must specify both SnapshotRetentionLimit and SnapshottingClusterId to turn on snapshots");
  }
}
