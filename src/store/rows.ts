/**
 * Database rows to domain objects. Every read of the store goes through these (joined-reads.ts
 * folds its joined rows into the nested shapes below first), so the domain objects have one
 * shape whichever query made them.
 */
import type { Engine } from "../domain/catalog.ts";
import type { CacheCluster, CacheNode, ClusterSettings, Desired, NodeGroup, ReplicationGroup, Role, SubnetGroup } from "../domain/model.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { failoverOf } from "./failover-columns.ts";
import { securityOf } from "./security-columns.ts";
import { securityGroupIdsOf } from "./security-group-columns.ts";

export const subnetGroupInclude = { subnets: { orderBy: { subnetId: "asc" } } } satisfies Prisma.CacheSubnetGroupInclude;

type NodeRow = Prisma.CacheNodeGetPayload<object>;
type ClusterRow = Prisma.CacheClusterGetPayload<object> & { nodes: NodeRow[] };
type NodeGroupRow = Prisma.NodeGroupGetPayload<object> & { members: ClusterRow[] };
type GroupRow = Prisma.ReplicationGroupGetPayload<object> & { nodeGroups: NodeGroupRow[] };
type SubnetGroupRow = Prisma.CacheSubnetGroupGetPayload<{ include: typeof subnetGroupInclude }>;
type ClusterSettingsRow = Pick<
  ClusterRow,
  | "engine" | "engineVersion" | "cacheNodeType" | "port" | "subnetGroupName" | "parameterGroupName" | "snapshotRetentionLimit" | "snapshotWindow" | "securityGroupIds"
  | "transitEncryption" | "transitEncryptionMode" | "authTokens" | "previousAuthTokens" | "authTokenLastModified" | "previousTransitMode" | "userGroupId" | "accessControl"
>;

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** The settings both groups and clusters carry. */
function settingsOf(row: ClusterSettingsRow): ClusterSettings {
  return {
    engine: row.engine as Engine,
    engineVersion: row.engineVersion,
    cacheNodeType: row.cacheNodeType,
    port: row.port,
    subnetGroupName: row.subnetGroupName,
    parameterGroupName: row.parameterGroupName,
    snapshotRetentionLimit: row.snapshotRetentionLimit,
    snapshotWindow: orUndefined(row.snapshotWindow),
    securityGroupIds: securityGroupIdsOf(row.securityGroupIds),
    security: securityOf(row),
  };
}

export function toNode(row: NodeRow): CacheNode {
  return {
    clusterId: row.clusterId,
    nodeId: row.nodeId,
    status: row.status,
    desired: row.desired as Desired,
    hostPort: row.hostPort,
    busPort: orUndefined(row.busPort),
    runtimeName: row.runtimeName,
    runtimeId: orUndefined(row.runtimeId),
    admin: row.adminHost !== null && row.adminPort !== null ? { host: row.adminHost, port: row.adminPort } : undefined,
    peer: row.peerHost !== null && row.peerPort !== null ? { host: row.peerHost, port: row.peerPort } : undefined,
    tlsPort: orUndefined(row.tlsPort),
    tlsAdmin: row.tlsAdminHost !== null && row.tlsAdminPort !== null ? { host: row.tlsAdminHost, port: row.tlsAdminPort } : undefined,
    tlsPeer: row.tlsPeerHost !== null && row.tlsPeerPort !== null ? { host: row.tlsPeerHost, port: row.tlsPeerPort } : undefined,
    az: row.az,
    createdAt: row.createdAt,
  };
}

export function toCluster(row: ClusterRow): CacheCluster {
  return {
    id: row.id,
    replicationGroupId: orUndefined(row.replicationGroupId),
    nodeGroupId: orUndefined(row.nodeGroupId),
    role: orUndefined(row.role) as Role | undefined,
    ...settingsOf(row),
    status: row.status,
    numCacheNodes: row.numCacheNodes,
    preferredAz: row.preferredAz,
    configEndpointPort: orUndefined(row.configEndpointPort),
    configVersion: row.configVersion,
    dataFile: orUndefined(row.dataFile),
    parameters: JSON.parse(row.parameters) as Record<string, string>,
    parameterApplyStatus: row.parameterApplyStatus,
    version: row.version,
    createdAt: row.createdAt,
    nodes: row.nodes.map(toNode),
  };
}

export function toNodeGroup(row: NodeGroupRow): NodeGroup {
  return {
    replicationGroupId: row.replicationGroupId,
    id: row.nodeGroupId,
    status: row.status,
    primaryEndpointPort: orUndefined(row.primaryEndpointPort),
    readerEndpointPort: orUndefined(row.readerEndpointPort),
    slots: orUndefined(row.slots),
    failover: failoverOf(row),
    members: row.members.map(toCluster),
  };
}

export function toReplicationGroup(row: GroupRow): ReplicationGroup {
  return {
    id: row.id,
    description: row.description,
    ...settingsOf(row),
    status: row.status,
    automaticFailover: row.automaticFailover,
    multiAz: row.multiAz,
    atRestEncryption: row.atRestEncryption,
    clusterEnabled: row.clusterEnabled,
    configEndpointPort: orUndefined(row.configEndpointPort),
    resharding:
      row.reshardTarget === null
        ? undefined
        : { target: JSON.parse(row.reshardTarget) as Record<string, string>, removing: JSON.parse(row.reshardRemoving ?? "[]") as string[], progress: row.reshardProgress ?? 0 },
    kmsKeyId: orUndefined(row.kmsKeyId),
    restoreFiles: row.restoreFiles === null ? undefined : (JSON.parse(row.restoreFiles) as string[]),
    version: row.version,
    createdAt: row.createdAt,
    nodeGroups: row.nodeGroups.map(toNodeGroup),
  };
}

export function toSubnetGroup(row: SubnetGroupRow): SubnetGroup {
  return {
    name: row.name,
    description: row.description,
    vpcId: row.vpcId,
    createdAt: row.createdAt,
    subnets: row.subnets.map((subnet) => ({ subnetId: subnet.subnetId, availabilityZone: subnet.availabilityZone })),
  };
}
