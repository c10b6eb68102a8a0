/**
 * CreateSnapshot, DescribeSnapshots, CopySnapshot (with TargetBucket: the export to "S3"),
 * DeleteSnapshot. The operations write the snapshot row (creating / copying / deleting) and the
 * source's `snapshotting` status; the snapshot controller does the file work and makes the
 * snapshot available. Memcached has no snapshots: SnapshotFeatureNotSupportedFault, as on AWS.
 */
import { event } from "../domain/events.ts";
import type { CacheCluster, ReplicationGroup } from "../domain/model.ts";
import { ALL_SLOTS, type Snapshot, type SnapshotNodeGroup, type SnapshotSource } from "../domain/snapshots.ts";
import { isAvailable, nodeOf, primaryOf, replicasOf } from "../domain/topology.ts";
import type { NewSnapshot, SnapshotSourceGuard } from "../store/index.ts";
import { AwsError, errors } from "../aws/errors.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";
import type { ServiceContext } from "./context.ts";
import { page, pageRequest } from "./paging.ts";
import { toSnapshotShape } from "./snapshot-shapes.ts";
import { retrying } from "./store-errors.ts";
import { optionalBool, optionalString, requiredString, resourceId } from "./validate.ts";

export const snapshotNotFound = (name: string) => new AwsError("SnapshotNotFoundFault", `Snapshot ${name} not found.`);
const invalidState = (message: string) => new AwsError("InvalidSnapshotState", message);
export const snapshotsNotSupported = () =>
  new AwsError("SnapshotFeatureNotSupportedFault", "Memcached clusters do not support snapshots.");

/** Snapshot names: 1–255 letters, digits and hyphens, first a letter (automatic ones add a dot, and are never user-given). */
export function snapshotName(value: unknown, param: string): string {
  const name = requiredString(value, param);
  if (name.length > 255 || !/^[a-zA-Z][a-zA-Z0-9-]*$/.test(name) || name.includes("--") || name.endsWith("-")) {
    throw errors.invalidParameterValue(
      `Invalid ${param} "${name}": 1 to 255 letters, digits or hyphens, beginning with a letter, without two consecutive hyphens or a trailing hyphen.`,
    );
  }
  return name;
}

/** An existing snapshot by name, as given or as a system name (automatic.…). */
export async function loadSnapshot(ctx: ServiceContext, value: unknown, param: string): Promise<Snapshot> {
  const name = requiredString(value, param);
  const snapshot = name.length <= 300 ? await ctx.store.snapshots.get(name) : undefined;
  if (!snapshot) throw snapshotNotFound(name);
  return snapshot;
}

/** What a new snapshot of a group or cluster records; the files are filled in by the controller. */
export function snapshotOfGroup(group: ReplicationGroup, name: string, source: SnapshotSource, memberId?: string): NewSnapshot {
  const primary = primaryOf(group.nodeGroups[0]);
  return {
    name,
    status: "creating",
    source,
    replicationGroupId: group.id,
    replicationGroupDescription: group.description,
    engine: group.engine,
    engineVersion: group.engineVersion,
    cacheNodeType: group.cacheNodeType,
    numCacheClusters: group.nodeGroups[0].members.length,
    port: group.port,
    subnetGroupName: group.subnetGroupName,
    parameterGroupName: group.parameterGroupName,
    preferredAz: primary ? nodeOf(primary)?.az : undefined,
    automaticFailover: group.automaticFailover,
    snapshotRetentionLimit: group.snapshotRetentionLimit,
    snapshotWindow: group.snapshotWindow,
    nodeGroups: group.nodeGroups.map((nodeGroup): SnapshotNodeGroup => {
      // As AWS does: from a replica when there is a healthy one, so the primary does not fork.
      const named = memberId ? nodeGroup.members.find((member) => member.id === memberId) : undefined;
      const from = named ?? replicasOf(nodeGroup).find((member) => isAvailable(nodeOf(member))) ?? primaryOf(nodeGroup) ?? nodeGroup.members[0];
      // Cluster mode enabled: one file per shard, with the shard's slot ranges as AWS reports them.
      const slots = group.clusterEnabled && nodeGroup.slots ? nodeGroup.slots : ALL_SLOTS;
      return { nodeGroupId: nodeGroup.id, cacheClusterId: from.id, cacheNodeId: nodeOf(from)?.nodeId ?? "0001", slots, file: "", bytes: 0 };
    }),
  };
}

export function snapshotOfCluster(cluster: CacheCluster, name: string, source: SnapshotSource): NewSnapshot {
  return {
    name,
    status: "creating",
    source,
    cacheClusterId: cluster.id,
    engine: cluster.engine,
    engineVersion: cluster.engineVersion,
    cacheNodeType: cluster.cacheNodeType,
    numCacheClusters: 1,
    port: cluster.port,
    subnetGroupName: cluster.subnetGroupName,
    parameterGroupName: cluster.parameterGroupName,
    preferredAz: cluster.preferredAz,
    automaticFailover: false,
    snapshotRetentionLimit: cluster.snapshotRetentionLimit,
    snapshotWindow: cluster.snapshotWindow,
    nodeGroups: [{ nodeGroupId: "0001", cacheClusterId: cluster.id, cacheNodeId: cluster.nodes[0]?.nodeId ?? "0001", slots: ALL_SLOTS, file: "", bytes: 0 }],
  };
}

const snapshotEvent = (source: SnapshotSourceGuard, message: string) => event(source.kind, source.id, message);

export class SnapshotService {
  constructor(private readonly ctx: ServiceContext) {}

  async create(input: InputOf<"CreateSnapshot">): Promise<OutputOf<"CreateSnapshot">> {
    const name = snapshotName(input.SnapshotName, "SnapshotName");
    const groupId = input.ReplicationGroupId === undefined ? undefined : resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const clusterId = input.CacheClusterId === undefined ? undefined : resourceId(input.CacheClusterId, "CacheClusterId", 50);
    if (groupId !== undefined && clusterId !== undefined) {
      throw errors.invalidParameterCombination("Give either ReplicationGroupId or CacheClusterId, not both.");
    }
    if (groupId === undefined && clusterId === undefined) throw errors.missingParameter("ReplicationGroupId or CacheClusterId");
    optionalString(input.KmsKeyId, "KmsKeyId", 2048);
    const snapshot = await retrying(() => (groupId !== undefined ? this.ofGroup(groupId, name) : this.ofCluster(clusterId!, name)));
    this.ctx.controllers.kick();
    return { Snapshot: toSnapshotShape(this.ctx, snapshot, false) };
  }

  private async ofGroup(groupId: string, name: string, memberId?: string): Promise<Snapshot> {
    const group = await this.ctx.store.replicationGroups.get(groupId);
    if (!group) throw new AwsError("ReplicationGroupNotFoundFault", `ReplicationGroup ${groupId} not found.`);
    if (group.status !== "available") {
      throw new AwsError("InvalidReplicationGroupState", `Replication group ${groupId} is ${group.status}; snapshots are taken of available groups.`);
    }
    const source: SnapshotSourceGuard = { kind: "replication-group", id: group.id, version: group.version };
    return this.ctx.store.snapshots.create(snapshotOfGroup(group, name, "manual", memberId), source, [
      snapshotEvent(source, `Snapshot ${name} of replication group ${group.id} started`),
    ]);
  }

  private async ofCluster(clusterId: string, name: string): Promise<Snapshot> {
    const cluster = await this.ctx.store.cacheClusters.get(clusterId);
    if (!cluster) throw new AwsError("CacheClusterNotFound", `CacheCluster ${clusterId} not found.`);
    if (cluster.engine === "memcached") throw snapshotsNotSupported();
    // A member of a cluster-mode-disabled group: the group's snapshot, taken from this member.
    if (cluster.replicationGroupId) return this.ofGroup(cluster.replicationGroupId, name, cluster.id);
    if (cluster.status !== "available") {
      throw new AwsError("InvalidCacheClusterState", `Cache cluster ${clusterId} is ${cluster.status}; snapshots are taken of available clusters.`);
    }
    const source: SnapshotSourceGuard = { kind: "cache-cluster", id: cluster.id, version: cluster.version };
    return this.ctx.store.snapshots.create(snapshotOfCluster(cluster, name, "manual"), source, [
      snapshotEvent(source, `Snapshot ${name} of cache cluster ${cluster.id} started`),
    ]);
  }

  async describe(input: InputOf<"DescribeSnapshots">): Promise<OutputOf<"DescribeSnapshots">> {
    const request = pageRequest({ ...input, MaxRecords: input.MaxRecords ?? 50 });
    const showConfig = optionalBool(input.ShowNodeGroupConfig, "ShowNodeGroupConfig") ?? false;
    const name = optionalString(input.SnapshotName, "SnapshotName", 300);
    const groupId = input.ReplicationGroupId === undefined ? undefined : resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const clusterId = input.CacheClusterId === undefined ? undefined : resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const sourceFilter = optionalString(input.SnapshotSource, "SnapshotSource", 10);
    // AWS's filter values: "system" (automatic) and "user" (manual).
    const source = sourceFilter === undefined ? undefined : ({ system: "automated", user: "manual" } as const)[sourceFilter];
    if (sourceFilter !== undefined && source === undefined) throw errors.invalidParameterValue('SnapshotSource must be "system" or "user".');
    const snapshots = await this.ctx.store.snapshots.list({ name, replicationGroupId: groupId, source });
    // A member's id finds the group snapshots taken from it too.
    const matching = clusterId === undefined ? snapshots : snapshots.filter((s) => s.cacheClusterId === clusterId || s.nodeGroups.some((entry) => entry.cacheClusterId === clusterId));
    if (name !== undefined && matching.length === 0) throw snapshotNotFound(name);
    const result = page(matching, (snapshot) => snapshot.name, request);
    return { Marker: result.Marker, Snapshots: result.items.map((snapshot) => toSnapshotShape(this.ctx, snapshot, showConfig)) };
  }

  async copy(input: InputOf<"CopySnapshot">): Promise<OutputOf<"CopySnapshot">> {
    const source = await loadSnapshot(this.ctx, input.SourceSnapshotName, "SourceSnapshotName");
    const bucket = optionalString(input.TargetBucket, "TargetBucket", 255);
    const targetName = bucket === undefined ? snapshotName(input.TargetSnapshotName, "TargetSnapshotName") : requiredString(input.TargetSnapshotName, "TargetSnapshotName");
    optionalString(input.KmsKeyId, "KmsKeyId", 2048);
    if (source.status !== "available") throw invalidState(`Snapshot ${source.name} is ${source.status}, not available.`);
    if (bucket !== undefined) return { Snapshot: toSnapshotShape(this.ctx, await this.exportTo(source, bucket, targetName), false) };
    const copy = await this.ctx.store.snapshots.create({ ...source, name: targetName, status: "copying", source: "manual" }, undefined, []);
    this.ctx.controllers.kick();
    return { Snapshot: toSnapshotShape(this.ctx, copy, false) };
  }

  /** The export: <bucket>/<target>-<nodeGroupId>.rdb in the S3 stand-in folder, written before the answer. */
  private async exportTo(source: Snapshot, bucket: string, targetName: string): Promise<Snapshot> {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new AwsError("InvalidParameterValue", `Invalid bucket name "${bucket}".`);
    if (!/^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,900}$/.test(targetName) || targetName.includes("..")) {
      throw errors.invalidParameterValue(`Invalid TargetSnapshotName "${targetName}" for an object key.`);
    }
    if (!(await this.ctx.snapshotFiles.exportTo(source, bucket, targetName))) {
      throw errors.invalidParameterValue(`The S3 bucket ${bucket} does not exist (no folder ${bucket} in the S3 directory).`);
    }
    return source;
  }

  async delete(input: InputOf<"DeleteSnapshot">): Promise<OutputOf<"DeleteSnapshot">> {
    const current = await loadSnapshot(this.ctx, input.SnapshotName, "SnapshotName");
    if (current.status !== "available" && current.status !== "failed") {
      throw invalidState(`Snapshot ${current.name} is ${current.status}; it can be deleted when available.`);
    }
    const snapshot = await this.ctx.store.snapshots.markDeleting(current.name, []);
    this.ctx.controllers.kick();
    return { Snapshot: toSnapshotShape(this.ctx, snapshot, false) };
  }
}
