/**
 * Rows to AWS shapes (ReplicationGroup, CacheCluster), with AWS's field names. Only the fields
 * this emulator knows are filled; the rest are left out as AWS leaves out unset fields.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { arnOf } from "../domain/arn.ts";
import type { ServiceContext } from "./context.ts";

export const clusterWithNodes = { nodes: { orderBy: { nodeId: "asc" } } } satisfies Prisma.CacheClusterInclude;
export const groupWithMembers = {
  nodeGroups: true,
  clusters: { include: clusterWithNodes, orderBy: { id: "asc" } },
} satisfies Prisma.ReplicationGroupInclude;

export type ClusterRow = Prisma.CacheClusterGetPayload<{ include: typeof clusterWithNodes }>;
export type GroupRow = Prisma.ReplicationGroupGetPayload<{ include: typeof groupWithMembers }>;
type Ctx = Pick<ServiceContext, "account" | "endpointHost">;

const endpoint = (ctx: Ctx, port: number | null | undefined) =>
  port === null || port === undefined ? undefined : { Address: ctx.endpointHost, Port: port };

function pendingOf(json: string | null): Record<string, unknown> {
  return json ? (JSON.parse(json) as Record<string, unknown>) : {};
}

/** The cluster whose node is the group's primary, by the recorded role. */
export function primaryOf(group: GroupRow): ClusterRow | undefined {
  return group.clusters.find((cluster) => cluster.role === "primary");
}

export function toReplicationGroup(ctx: Ctx, group: GroupRow) {
  const primary = primaryOf(group);
  const replicas = group.clusters.filter((cluster) => cluster.role === "replica");
  const primaryPort = group.primaryEndpointPort ?? primary?.nodes[0]?.hostPort;
  const readerPort = group.readerEndpointPort ?? (replicas[0] ?? primary)?.nodes[0]?.hostPort;
  return {
    ReplicationGroupId: group.id,
    Description: group.description,
    Status: group.status,
    PendingModifiedValues: pendingOf(group.pending),
    MemberClusters: group.clusters.map((cluster) => cluster.id),
    NodeGroups: group.nodeGroups.map((nodeGroup) => ({
      NodeGroupId: nodeGroup.nodeGroupId,
      Status: nodeGroup.status,
      PrimaryEndpoint: endpoint(ctx, primaryPort),
      ReaderEndpoint: endpoint(ctx, readerPort),
      NodeGroupMembers: group.clusters
        .filter((cluster) => cluster.nodeGroupId === nodeGroup.nodeGroupId)
        .flatMap((cluster) =>
          cluster.nodes.map((node) => ({
            CacheClusterId: cluster.id,
            CacheNodeId: node.nodeId,
            ReadEndpoint: endpoint(ctx, node.hostPort),
            PreferredAvailabilityZone: node.az,
            CurrentRole: cluster.role ?? undefined,
          })),
        ),
    })),
    AutomaticFailover: group.automaticFailover ? "enabled" : "disabled",
    MultiAZ: group.multiAz ? "enabled" : "disabled",
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: group.snapshotWindow ?? undefined,
    ClusterEnabled: group.clusterMode,
    CacheNodeType: group.cacheNodeType,
    AuthTokenEnabled: group.authToken !== null,
    TransitEncryptionEnabled: group.transitEncryption,
    AtRestEncryptionEnabled: group.atRestEncryption,
    ARN: arnOf(ctx.account, "replicationgroup", group.id),
    ReplicationGroupCreateTime: group.createdAt,
    DataTiering: "disabled",
    AutoMinorVersionUpgrade: true,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
    ClusterMode: group.clusterMode ? "enabled" : "disabled",
    Engine: group.engine,
  };
}

export function toCacheCluster(ctx: Ctx, cluster: ClusterRow, showNodes: boolean) {
  return {
    CacheClusterId: cluster.id,
    ConfigurationEndpoint: cluster.engine === "memcached" ? endpoint(ctx, cluster.configEndpointPort) : undefined,
    CacheNodeType: cluster.cacheNodeType,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    CacheClusterStatus: cluster.status,
    NumCacheNodes: cluster.numCacheNodes,
    PreferredAvailabilityZone: cluster.preferredAz,
    CacheClusterCreateTime: cluster.createdAt,
    PreferredMaintenanceWindow: "sun:05:00-sun:06:00",
    PendingModifiedValues: pendingOf(cluster.pending),
    CacheSecurityGroups: [],
    CacheParameterGroup: {
      CacheParameterGroupName: cluster.parameterGroupName,
      ParameterApplyStatus: "in-sync",
      CacheNodeIdsToReboot: [],
    },
    CacheSubnetGroupName: cluster.subnetGroupName,
    CacheNodes: showNodes
      ? cluster.nodes.map((node) => ({
          CacheNodeId: node.nodeId,
          CacheNodeStatus: node.status,
          CacheNodeCreateTime: node.createdAt,
          Endpoint: endpoint(ctx, node.hostPort),
          ParameterGroupStatus: "in-sync",
          CustomerAvailabilityZone: node.az,
        }))
      : undefined,
    AutoMinorVersionUpgrade: true,
    ReplicationGroupId: cluster.replicationGroupId ?? undefined,
    SnapshotRetentionLimit: cluster.engine === "memcached" ? undefined : cluster.snapshotRetentionLimit,
    SnapshotWindow: cluster.snapshotWindow ?? undefined,
    AuthTokenEnabled: cluster.authToken !== null,
    TransitEncryptionEnabled: cluster.transitEncryption,
    AtRestEncryptionEnabled: false,
    ARN: arnOf(ctx.account, "cluster", cluster.id),
    ReplicationGroupLogDeliveryEnabled: false,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
  };
}
