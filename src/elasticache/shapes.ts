/**
 * Domain objects to AWS shapes (ReplicationGroup, CacheCluster, CacheSubnetGroup, tags), with AWS's
 * field names. Only the fields this emulator knows are filled; the rest are left out as AWS leaves
 * out unset fields. Used by the operations in this folder and nowhere else.
 */
import type * as Aws from "@aws-sdk/client-elasticache";
import { arnOf } from "../domain/arn.ts";
import type { CacheCluster, NodeGroup, ReplicationGroup, SubnetGroup, Tag } from "../domain/model.ts";
import { membersOf, nodeOf, primaryOf, replicasOf } from "../domain/topology.ts";
import type { ServiceContext } from "./context.ts";
import { CLIENT_DOWNLOAD_LANDING_PAGE, defaultSecurityGroupId } from "./imagined-defaults.ts";
import { DEFAULT_MAINTENANCE_WINDOW, effectiveSnapshotWindow } from "../domain/backup-window.ts";
import { transitStateOf, userGroupOf, type NodeSecurity } from "../domain/security.ts";

type Ctx = Pick<ServiceContext, "account" | "endpointHost" | "proxyHost">;

const endpoint = (ctx: Ctx, port: number | undefined): Aws.Endpoint | undefined => (port === undefined ? undefined : { Address: ctx.endpointHost, Port: port });
/** An endpoint proxy's: on this instance's endpoint address. */
const proxyEndpoint = (ctx: Ctx, port: number | undefined): Aws.Endpoint | undefined => (port === undefined ? undefined : { Address: ctx.proxyHost, Port: port });

/**
 * Cluster mode enabled, as AWS gives it: the shard's Slots and its members, no primary or reader
 * endpoint and no per-node ReadEndpoint (clients reach the cluster through the configuration
 * endpoint). CurrentRole is kept so a caller can tell the shard's primary.
 */
function toShardShape(nodeGroup: NodeGroup): Aws.NodeGroup {
  return {
    NodeGroupId: nodeGroup.id,
    Status: nodeGroup.status,
    Slots: nodeGroup.slots,
    NodeGroupMembers: nodeGroup.members.flatMap((member) =>
      member.nodes.map((node) => ({ CacheClusterId: member.id, CacheNodeId: node.nodeId, PreferredAvailabilityZone: node.az, CurrentRole: member.role })),
    ),
  };
}

function toNodeGroupShape(ctx: Ctx, nodeGroup: NodeGroup): Aws.NodeGroup {
  // Groups always get endpoint ports of their own; the node ports are only a fallback.
  const primary = primaryOf(nodeGroup);
  const primaryPort = nodeGroup.primaryEndpointPort ?? (primary && nodeOf(primary)?.hostPort);
  const readerMember = replicasOf(nodeGroup)[0] ?? primary;
  const readerPort = nodeGroup.readerEndpointPort ?? (readerMember && nodeOf(readerMember)?.hostPort);
  return {
    NodeGroupId: nodeGroup.id,
    Status: nodeGroup.status,
    PrimaryEndpoint: nodeGroup.primaryEndpointPort === undefined ? endpoint(ctx, primaryPort) : proxyEndpoint(ctx, primaryPort),
    ReaderEndpoint: nodeGroup.readerEndpointPort === undefined ? endpoint(ctx, readerPort) : proxyEndpoint(ctx, readerPort),
    NodeGroupMembers: nodeGroup.members.flatMap((member) =>
      member.nodes.map((node) => ({
        CacheClusterId: member.id,
        CacheNodeId: node.nodeId,
        ReadEndpoint: endpoint(ctx, node.hostPort),
        PreferredAvailabilityZone: node.az,
        CurrentRole: member.role,
      })),
    ),
  };
}

/** AuthTokenEnabled, AuthTokenLastModifiedDate, TransitEncryptionEnabled and TransitEncryptionMode, as both shapes have them. */
function securityShape(security: NodeSecurity | undefined) {
  const transit = security?.previousTransit ?? transitStateOf(security);
  return {
    AuthTokenEnabled: (security?.authTokens.length ?? 0) > 0,
    AuthTokenLastModifiedDate: security?.authTokenLastModified,
    // While a change is applied the nodes still serve the previous state (the new one is pending).
    TransitEncryptionEnabled: transit !== "off",
    TransitEncryptionMode: transit === "off" ? undefined : transit,
  };
}

/** While new tokens are applied: AuthTokenStatus ROTATING (two tokens accepted) or SETTING. */
function pendingAuthToken(security: NodeSecurity | undefined): Aws.ReplicationGroupPendingModifiedValues {
  if (security?.previousAuthTokens === undefined) return {};
  // A change of user group alone leaves the tokens as they were.
  if (JSON.stringify(security.previousAuthTokens) === JSON.stringify(security.authTokens)) return {};
  return { AuthTokenStatus: security.authTokens.length > 1 ? "ROTATING" : "SETTING" };
}

/** While a change of transit encryption is applied: the settings being applied, as AWS shows them. */
function pendingTransit(security: NodeSecurity | undefined): Aws.ReplicationGroupPendingModifiedValues & Aws.PendingModifiedValues {
  if (security?.previousTransit === undefined) return {};
  return security.transitEncryption
    ? { TransitEncryptionEnabled: true, TransitEncryptionMode: security.transitEncryptionMode }
    : { TransitEncryptionEnabled: false };
}

export function toReplicationGroup(ctx: Ctx, group: ReplicationGroup): Aws.ReplicationGroup {
  return {
    ReplicationGroupId: group.id,
    Description: group.description,
    Status: group.status,
    PendingModifiedValues: {
      ...pendingAuthToken(group.security),
      ...pendingTransit(group.security),
      ...(group.resharding ? { Resharding: { SlotMigration: { ProgressPercentage: group.resharding.progress } } } : {}),
    },
    MemberClusters: membersOf(group).map((member) => member.id),
    NodeGroups: group.nodeGroups.map((nodeGroup) => (group.clusterEnabled ? toShardShape(nodeGroup) : toNodeGroupShape(ctx, nodeGroup))),
    ConfigurationEndpoint: group.clusterEnabled ? proxyEndpoint(ctx, group.configEndpointPort) : undefined,
    AutomaticFailover: group.automaticFailover ? "enabled" : "disabled",
    MultiAZ: group.multiAz ? "enabled" : "disabled",
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: effectiveSnapshotWindow(group),
    SnapshottingClusterId: snapshottingClusterOf(group),
    UserGroupIds: userGroupOf(group.security) === undefined ? [] : [userGroupOf(group.security)!],
    LogDeliveryConfigurations: [],
    ClusterEnabled: group.clusterEnabled,
    CacheNodeType: group.cacheNodeType,
    ...securityShape(group.security),
    AtRestEncryptionEnabled: group.atRestEncryption,
    KmsKeyId: group.kmsKeyId,
    ARN: arnOf(ctx.account, "replicationgroup", group.id),
    ReplicationGroupCreateTime: group.createdAt,
    DataTiering: "disabled",
    AutoMinorVersionUpgrade: true,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
    ClusterMode: group.clusterEnabled ? "enabled" : "disabled",
    Engine: group.engine,
  };
}

/** AWS snapshots from a replica (the primary when alone), and names it only while backups are on. */
function snapshottingClusterOf(group: ReplicationGroup): string | undefined {
  if (group.snapshotRetentionLimit === 0) return undefined;
  const nodeGroup = group.nodeGroups[0];
  return nodeGroup && (replicasOf(nodeGroup)[0] ?? primaryOf(nodeGroup))?.id;
}

export function toCacheCluster(ctx: Ctx, cluster: CacheCluster, showNodes: boolean): Aws.CacheCluster {
  return {
    CacheClusterId: cluster.id,
    ClientDownloadLandingPage: CLIENT_DOWNLOAD_LANDING_PAGE,
    ConfigurationEndpoint: cluster.engine === "memcached" ? proxyEndpoint(ctx, cluster.configEndpointPort) : undefined,
    CacheNodeType: cluster.cacheNodeType,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    CacheClusterStatus: cluster.status,
    NumCacheNodes: cluster.numCacheNodes,
    PreferredAvailabilityZone: cluster.preferredAz,
    CacheClusterCreateTime: cluster.createdAt,
    PreferredMaintenanceWindow: DEFAULT_MAINTENANCE_WINDOW,
    PendingModifiedValues: { ...pendingTransit(cluster.security) },
    CacheSecurityGroups: [],
    CacheParameterGroup: {
      CacheParameterGroupName: cluster.parameterGroupName,
      ParameterApplyStatus: cluster.parameterApplyStatus,
      CacheNodeIdsToReboot: cluster.parameterApplyStatus === "pending-reboot" ? cluster.nodes.map((node) => node.nodeId) : [],
    },
    CacheSubnetGroupName: cluster.subnetGroupName,
    CacheNodes: showNodes
      ? cluster.nodes.map((node) => ({
          CacheNodeId: node.nodeId,
          CacheNodeStatus: node.status,
          CacheNodeCreateTime: node.createdAt,
          Endpoint: endpoint(ctx, node.hostPort),
          ParameterGroupStatus: cluster.parameterApplyStatus,
          CustomerAvailabilityZone: node.az,
        }))
      : undefined,
    AutoMinorVersionUpgrade: true,
    SecurityGroups: (cluster.securityGroupIds ?? [defaultSecurityGroupId(ctx.account, cluster.subnetGroupName)]).map((id) => ({ SecurityGroupId: id, Status: "active" })),
    ReplicationGroupId: cluster.replicationGroupId,
    SnapshotRetentionLimit: cluster.engine === "memcached" ? undefined : cluster.snapshotRetentionLimit,
    SnapshotWindow: cluster.engine === "memcached" ? undefined : effectiveSnapshotWindow(cluster),
    ...securityShape(cluster.security),
    AtRestEncryptionEnabled: false,
    ARN: arnOf(ctx.account, "cluster", cluster.id),
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: [],
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
  };
}

export function toCacheSubnetGroup(ctx: Ctx, group: SubnetGroup): Aws.CacheSubnetGroup {
  return {
    CacheSubnetGroupName: group.name,
    CacheSubnetGroupDescription: group.description,
    VpcId: group.vpcId,
    Subnets: group.subnets.map((subnet) => ({
      SubnetIdentifier: subnet.subnetId,
      SubnetAvailabilityZone: { Name: subnet.availabilityZone },
      SupportedNetworkTypes: ["ipv4"],
    })),
    ARN: arnOf(ctx.account, "subnetgroup", group.name),
    SupportedNetworkTypes: ["ipv4"],
  };
}

export const toTagList = (tags: Tag[]): Aws.Tag[] => tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
