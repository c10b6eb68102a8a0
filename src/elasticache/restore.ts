/**
 * Restore on create: SnapshotName names a snapshot of ours, SnapshotArns names exported RDB files
 * in the S3 stand-in folder (arn:aws:s3:::<bucket>/<key> = <S3 dir>/<bucket>/<key>).
 *
 * Cluster mode disabled: one data file per node group, which the node group's primary loads on its
 * first start; its replicas then sync from it. A cluster-mode-enabled snapshot cannot go there
 * (AWS refuses it too).
 *
 * Cluster mode enabled, as AWS offers it: a snapshot of the same shard layout (as many shards, the
 * same slots in the same order) starts each shard's primary from its shard's file; any other
 * layout (another number of shards, other slots, a cluster-mode-disabled snapshot, or SnapshotArns
 * files of unknown slots) has its keys placed by slot: the controllers load every file's keys into
 * the shard owning each key's slot before the group becomes available.
 */
import { ALL_SLOTS, type Snapshot } from "../domain/snapshots.ts";
import { formatSlots, parseSlots } from "../domain/slots.ts";
import { AwsError, errors } from "../aws/errors.ts";
import type { ShardPlan } from "./cluster-mode-input.ts";
import type { ServiceContext } from "./context.ts";
import { ParameterGroupService } from "./parameter-groups.ts";
import type { RestoreSource } from "./replication-group-input.ts";
import { loadSnapshot } from "./snapshots.ts";

export interface Restore {
  /** RDB files: one per node group in node group order, or (placeByKey) every file whose keys go by slot. */
  dataFiles: string[];
  /** The files' keys are placed by slot into the shards (cluster mode enabled, another layout). */
  placeByKey: boolean;
  snapshot?: Snapshot;
}

/** Cluster mode disabled (CreateReplicationGroup without shards, CreateCacheCluster): one file per node group. */
export async function resolveRestore(ctx: ServiceContext, source: RestoreSource | undefined, nodeGroups = 1): Promise<Restore | undefined> {
  if (!source) return undefined;
  if ("snapshotName" in source) {
    const snapshot = await availableSnapshot(ctx, source.snapshotName);
    if (await isClusterModeSnapshot(ctx, snapshot)) {
      throw errors.invalidParameterCombination(`Snapshot ${snapshot.name} was taken with cluster mode enabled; it cannot be restored into a cluster with cluster mode disabled.`);
    }
    if (snapshot.nodeGroups.length !== nodeGroups) {
      throw errors.invalidParameterValue(`Snapshot ${snapshot.name} has ${snapshot.nodeGroups.length} node groups; restoring it into ${nodeGroups} is not supported.`);
    }
    return { dataFiles: snapshot.nodeGroups.map((entry) => entry.file), placeByKey: false, snapshot };
  }
  if (source.arns.length !== nodeGroups) {
    throw errors.invalidParameterValue(`SnapshotArns names ${source.arns.length} files; a group with ${nodeGroups} node group(s) takes ${nodeGroups}.`);
  }
  return { dataFiles: await filesOfArns(ctx, source.arns), placeByKey: false };
}

/**
 * Cluster mode enabled: the shards' files when the snapshot has the same layout, else every file
 * with its keys placed by slot. `slotsGiven`: every NodeGroupConfiguration entry named its Slots
 * (AWS asks for them with SnapshotArns).
 */
export async function resolveClusterRestore(ctx: ServiceContext, source: RestoreSource | undefined, shards: ShardPlan[], slotsGiven: boolean): Promise<Restore | undefined> {
  if (!source) return undefined;
  if ("arns" in source) {
    if (!slotsGiven) throw errors.invalidParameterCombination("Slots must be provided when restoring from snapshot ARNs with cluster mode enabled.");
    return { dataFiles: await filesOfArns(ctx, source.arns), placeByKey: true };
  }
  const snapshot = await availableSnapshot(ctx, source.snapshotName);
  const dataFiles = snapshot.nodeGroups.map((entry) => entry.file);
  const sameLayout =
    snapshot.nodeGroups.length === shards.length && snapshot.nodeGroups.every((entry, index) => sameSlots(entry.slots, shards[index].slots));
  return { dataFiles, placeByKey: !sameLayout, snapshot };
}

async function availableSnapshot(ctx: ServiceContext, name: string): Promise<Snapshot> {
  const snapshot = await loadSnapshot(ctx, name, "SnapshotName");
  if (snapshot.status !== "available") {
    throw new AwsError("InvalidSnapshotState", `Snapshot ${snapshot.name} is ${snapshot.status}, not available.`);
  }
  return snapshot;
}

async function filesOfArns(ctx: ServiceContext, arns: string[]): Promise<string[]> {
  const dataFiles: string[] = [];
  for (const arn of arns) {
    const file = await ctx.snapshotFiles.fileOfArn(arn);
    if (!file) throw errors.invalidParameterValue(`No readable object at ${arn} (arn:aws:s3:::<bucket>/<key>, a file under the S3 directory).`);
    dataFiles.push(file);
  }
  return dataFiles;
}

const sameSlots = (a: string, b: string) => {
  const [left, right] = [parseSlots(a), parseSlots(b)];
  return left !== undefined && right !== undefined && formatSlots(left) === formatSlots(right);
};

/**
 * A snapshot of a cluster-mode-enabled group: several shards, a shard with part of the slots, or
 * (one shard with every slot) a parameter group with cluster-enabled yes. A parameter group
 * deleted since says nothing.
 */
async function isClusterModeSnapshot(ctx: ServiceContext, snapshot: Snapshot): Promise<boolean> {
  if (snapshot.nodeGroups.length > 1 || snapshot.nodeGroups.some((entry) => !sameSlots(entry.slots, ALL_SLOTS))) return true;
  return new ParameterGroupService(ctx).enablesClusterMode(snapshot.parameterGroupName).catch(() => false);
}
