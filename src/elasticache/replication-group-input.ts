/**
 * CreateReplicationGroup's input checked with AWS's rules, into a plan. Pure: no store access, so
 * the rules get dense unit tests. Existence checks (subnet group, primary cluster) happen later.
 */
import { DEFAULT_NODE_TYPE, type Catalog, type EngineOffer } from "../domain/catalog.ts";
import { nodeTypeMemory, parameterGroupFor, resolveEngine } from "./catalog.ts";
import { errors } from "../aws/errors.ts";
import type { InputOf } from "../aws/operations.ts";
import { parseTags, type Tag } from "./tags.ts";
import type { NodeSecurity } from "../domain/security.ts";
import { parseAtRest, parseCreateSecurity } from "./security-input.ts";
import { parseCreateBackup } from "./backup-settings.ts";
import { parseUserGroupIds } from "./access-control-input.ts";
import {
  oneOf,
  optionalBool,
  optionalInt,
  optionalString,
  requiredString,
  resourceId,
  stringList,
  subnetGroupName,
} from "./validate.ts";

export const MAX_REPLICAS = 5;
export const MAX_CACHE_CLUSTERS = MAX_REPLICAS + 1;

export interface ReplicationGroupPlan {
  id: string;
  description: string;
  engine: EngineOffer;
  cacheNodeType: string;
  /** Members including the primary. */
  numCacheClusters: number;
  automaticFailover: boolean;
  multiAz: boolean;
  port?: number;
  subnetGroupName: string;
  parameterGroupName: string;
  preferredAzs?: string[];
  primaryClusterId?: string;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  atRestEncryption: boolean;
  kmsKeyId?: string;
  /** Transit encryption and AUTH token (security-input.ts). */
  security?: NodeSecurity;
  /** RBAC: the user group the nodes take their users from (access-control-input.ts). */
  userGroupId?: string;
  /** VPC security group ids (security-group-ids.ts); undefined: the default group. */
  securityGroupIds?: string[];
  tags: Tag[];
  /** Restore: start from a snapshot (SnapshotName) or from exported files (SnapshotArns). */
  restore?: RestoreSource;
}

export type RestoreSource = { snapshotName: string } | { arns: string[] };

/** SnapshotName / SnapshotArns of a create: at most one of them. */
export function parseRestoreSource(input: { SnapshotName?: unknown; SnapshotArns?: unknown }): RestoreSource | undefined {
  const name = optionalString(input.SnapshotName, "SnapshotName", 300);
  const arns = stringList(input.SnapshotArns, "SnapshotArns");
  if (name !== undefined && arns?.length) throw errors.invalidParameterCombination("Give either SnapshotName or SnapshotArns, not both.");
  if (name !== undefined) return { snapshotName: name };
  return arns?.length ? { arns } : undefined;
}

const notSupported = (what: string) => errors.invalidParameterValue(`${what} is not supported by elasticache-local yet.`);

export function parseAvailabilityZones(value: unknown, param: string, region: string): string[] | undefined {
  const zones = stringList(value, param);
  const bad = zones?.find((zone) => !zone.startsWith(region) || !/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(zone));
  if (bad !== undefined) throw errors.invalidParameterValue(`Invalid availability zone ${bad} for region ${region}.`);
  return zones;
}

export function parseCreateReplicationGroup(input: InputOf<"CreateReplicationGroup">, catalog: Catalog, region: string): ReplicationGroupPlan {
  const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
  const description = requiredString(input.ReplicationGroupDescription, "ReplicationGroupDescription");
  if (description.length > 255) throw errors.invalidParameterValue("ReplicationGroupDescription must be at most 255 characters.");

  const engineName = oneOf(input.Engine, "Engine", ["redis", "valkey", "memcached"] as const) ?? "redis";
  if (engineName === "memcached") {
    throw errors.invalidParameterValue("Replication groups run Redis or Valkey; use CreateCacheCluster for Memcached.");
  }
  const engine = resolveEngine(catalog, engineName, optionalString(input.EngineVersion, "EngineVersion", 20));
  const cacheNodeType = optionalString(input.CacheNodeType, "CacheNodeType", 64) ?? DEFAULT_NODE_TYPE;
  nodeTypeMemory(cacheNodeType);

  const numNodeGroups = optionalInt(input.NumNodeGroups, "NumNodeGroups", 1, 500);
  const nodeGroupConfiguration = input.NodeGroupConfiguration as unknown[] | undefined;
  const clusterMode = oneOf(input.ClusterMode, "ClusterMode", ["enabled", "disabled", "compatible"] as const);
  if ((numNodeGroups ?? 1) > 1 || (nodeGroupConfiguration?.length ?? 0) > 1 || (clusterMode && clusterMode !== "disabled")) {
    throw notSupported("Cluster mode enabled (more than one node group)");
  }
  for (const field of ["GlobalReplicationGroupId", "ServerlessCacheSnapshotName"] as const) {
    const value = input[field];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) throw notSupported(field);
  }
  const security = parseCreateSecurity(input, engineName, new Date());
  const userGroupId = parseUserGroupIds(input.UserGroupIds, "UserGroupIds", security);
  if (userGroupId !== undefined && input.PrimaryClusterId !== undefined) {
    throw errors.invalidParameterCombination("UserGroupIds cannot be combined with PrimaryClusterId.");
  }

  const numCacheClusters = optionalInt(input.NumCacheClusters, "NumCacheClusters", 1, MAX_CACHE_CLUSTERS);
  const replicas = optionalInt(input.ReplicasPerNodeGroup, "ReplicasPerNodeGroup", 0, MAX_REPLICAS);
  if (numCacheClusters !== undefined && replicas !== undefined && numCacheClusters !== replicas + 1) {
    throw errors.invalidParameterCombination("NumCacheClusters must be ReplicasPerNodeGroup + 1 when both are given.");
  }
  const automaticFailover = optionalBool(input.AutomaticFailoverEnabled, "AutomaticFailoverEnabled") ?? false;
  const total = numCacheClusters ?? (replicas !== undefined ? replicas + 1 : automaticFailover ? 2 : 1);
  if (automaticFailover && total < 2) {
    throw errors.invalidParameterCombination(
      "Automatic failover needs at least two cache clusters (NumCacheClusters >= 2, or ReplicasPerNodeGroup >= 1).",
    );
  }
  const multiAz = optionalBool(input.MultiAZEnabled, "MultiAZEnabled") ?? false;
  if (multiAz && !automaticFailover) {
    throw errors.invalidParameterCombination("MultiAZEnabled requires AutomaticFailoverEnabled.");
  }

  const preferredAzs = parseAvailabilityZones(input.PreferredCacheClusterAZs, "PreferredCacheClusterAZs", region);
  if (preferredAzs && preferredAzs.length !== total) {
    throw errors.invalidParameterValue(
      `PreferredCacheClusterAZs has ${preferredAzs.length} zones but the group has ${total} cache clusters; give one zone per cluster.`,
    );
  }

  return {
    id,
    description,
    engine,
    cacheNodeType,
    numCacheClusters: total,
    automaticFailover,
    multiAz,
    port: optionalInt(input.Port, "Port", 1024, 65535),
    subnetGroupName: input.CacheSubnetGroupName === undefined ? "default" : subnetGroupName(input.CacheSubnetGroupName),
    parameterGroupName: parameterGroupFor(engine, optionalString(input.CacheParameterGroupName, "CacheParameterGroupName", 255)),
    preferredAzs,
    primaryClusterId: input.PrimaryClusterId === undefined ? undefined : resourceId(input.PrimaryClusterId, "PrimaryClusterId", 50),
    ...parseCreateBackup(input, id, engineName),
    ...parseAtRest(input),
    security,
    userGroupId,
    tags: parseTags(input.Tags),
    restore: parseRestoreSource(input),
  };
}
