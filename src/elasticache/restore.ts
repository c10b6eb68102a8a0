/**
 * Restore on create: SnapshotName names a snapshot of ours, SnapshotArns names exported RDB files
 * in the S3 stand-in folder (arn:aws:s3:::<bucket>/<key> = <S3 dir>/<bucket>/<key>). The result
 * is one data file per node group, which the node group's primary loads on its first start; its
 * replicas then sync from it.
 */
import type { Snapshot } from "../domain/snapshots.ts";
import { AwsError, errors } from "../aws/errors.ts";
import type { ServiceContext } from "./context.ts";
import type { RestoreSource } from "./replication-group-input.ts";
import { loadSnapshot } from "./snapshots.ts";

export interface Restore {
  /** One RDB file per node group, in node group order. */
  dataFiles: string[];
  snapshot?: Snapshot;
}

export async function resolveRestore(ctx: ServiceContext, source: RestoreSource | undefined, nodeGroups = 1): Promise<Restore | undefined> {
  if (!source) return undefined;
  if ("snapshotName" in source) {
    const snapshot = await loadSnapshot(ctx, source.snapshotName, "SnapshotName");
    if (snapshot.status !== "available") {
      throw new AwsError("InvalidSnapshotState", `Snapshot ${snapshot.name} is ${snapshot.status}, not available.`);
    }
    // Restoring into a different number of shards needs cluster mode (slot migration); not yet.
    if (snapshot.nodeGroups.length !== nodeGroups) {
      throw errors.invalidParameterValue(`Snapshot ${snapshot.name} has ${snapshot.nodeGroups.length} node groups; restoring it into ${nodeGroups} is not supported yet.`);
    }
    return { dataFiles: snapshot.nodeGroups.map((entry) => entry.file), snapshot };
  }
  if (source.arns.length !== nodeGroups) {
    throw errors.invalidParameterValue(`SnapshotArns names ${source.arns.length} files; a group with ${nodeGroups} node group(s) takes ${nodeGroups}.`);
  }
  const dataFiles: string[] = [];
  for (const arn of source.arns) {
    const file = await ctx.snapshotFiles.fileOfArn(arn);
    if (!file) throw errors.invalidParameterValue(`No readable object at ${arn} (arn:aws:s3:::<bucket>/<key>, a file under the S3 directory).`);
    dataFiles.push(file);
  }
  return { dataFiles };
}
