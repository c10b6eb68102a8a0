/** Snapshots to AWS's Snapshot shape. */
import type * as Aws from "@aws-sdk/client-elasticache";
import { arnOf } from "../domain/arn.ts";
import type { Snapshot } from "../domain/snapshots.ts";
import type { ServiceContext } from "./context.ts";

const MB = 1024 * 1024;

export function toSnapshotShape(ctx: Pick<ServiceContext, "account">, snapshot: Snapshot, showNodeGroupConfig: boolean): Aws.Snapshot {
  const inGroup = snapshot.replicationGroupId !== undefined;
  return {
    SnapshotName: snapshot.name,
    ReplicationGroupId: snapshot.replicationGroupId,
    ReplicationGroupDescription: snapshot.replicationGroupDescription,
    CacheClusterId: snapshot.cacheClusterId,
    SnapshotStatus: snapshot.status,
    SnapshotSource: snapshot.source,
    CacheNodeType: snapshot.cacheNodeType,
    Engine: snapshot.engine,
    EngineVersion: snapshot.engineVersion,
    NumCacheNodes: inGroup ? undefined : 1,
    PreferredAvailabilityZone: snapshot.preferredAz,
    CacheClusterCreateTime: inGroup ? undefined : snapshot.createdAt,
    PreferredMaintenanceWindow: "sun:05:00-sun:06:00",
    Port: snapshot.port,
    CacheParameterGroupName: snapshot.parameterGroupName,
    CacheSubnetGroupName: snapshot.subnetGroupName,
    VpcId: "vpc-local",
    AutoMinorVersionUpgrade: true,
    SnapshotRetentionLimit: snapshot.snapshotRetentionLimit,
    SnapshotWindow: snapshot.snapshotWindow,
    NumNodeGroups: inGroup ? snapshot.nodeGroups.length : undefined,
    AutomaticFailover: inGroup ? (snapshot.automaticFailover ? "enabled" : "disabled") : undefined,
    NodeSnapshots: snapshot.nodeGroups.map((entry) => ({
      CacheClusterId: entry.cacheClusterId,
      NodeGroupId: inGroup ? entry.nodeGroupId : undefined,
      CacheNodeId: entry.cacheNodeId,
      NodeGroupConfiguration: showNodeGroupConfig
        ? { NodeGroupId: entry.nodeGroupId, Slots: entry.slots, ReplicaCount: Math.max(0, snapshot.numCacheClusters - 1), PrimaryAvailabilityZone: snapshot.preferredAz }
        : undefined,
      CacheSize: `${(entry.bytes / MB).toFixed(3)} MB`,
      CacheNodeCreateTime: snapshot.createdAt,
      SnapshotCreateTime: entry.createdAt,
    })),
    ARN: arnOf(ctx.account, "snapshot", snapshot.name),
    DataTiering: "disabled",
  };
}
