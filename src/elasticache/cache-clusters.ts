/**
 * Cache clusters: Memcached with 1–40 nodes, Redis/Valkey with one node, or a Redis cluster that
 * joins an existing replication group as a replica. Same pattern as replication groups: write
 * the desired state, wake the reconciler, return.
 */
import { arnOf } from "../domain/arn.ts";
import { parseSecurityGroupIds } from "./security-group-ids.ts";
import { DEFAULT_NODE_TYPE, offer } from "../domain/catalog.ts";
import { event } from "../domain/events.ts";
import type { CacheCluster } from "../domain/model.ts";
import { nodeIdOf, nodeNumberOf } from "../domain/names.ts";
import { replicasOf, settingsOf } from "../domain/topology.ts";
import type { NewCluster } from "../store/index.ts";
import { nodeTypeMemory, resolveEngine } from "./catalog.ts";
import { ParameterGroupService } from "./parameter-groups.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "../aws/errors.ts";
import { newMember, requireClusterIdsFree } from "./members.ts";
import { page, pageRequest } from "./paging.ts";
import { NODE_QUOTA, pickPorts, requireNodeQuota, requirePortAvailable, zonesOf } from "./placement.ts";
import { MAX_REPLICAS, parseAvailabilityZones, parseRestoreSource } from "./replication-group-input.ts";
import { parseBackupChange, parseCreateBackup } from "./backup-settings.ts";
import { resolveRestore } from "./restore.ts";
import { snapshotOfCluster, snapshotName, snapshotsNotSupported } from "./snapshots.ts";
import { loadGroup, onlyNodeGroup, requireAvailable } from "./replication-groups.ts";
import { parseCreateSecurity } from "./security-input.ts";
import { pickTlsPorts } from "./security-placement.ts";
import { toCacheCluster } from "./shapes.ts";
import { sharedAnswer } from "./shared-answers.ts";
import { retrying } from "./store-errors.ts";
import { parseTags, tagsFor, type Tag } from "./tags.ts";
import { oneOf, optionalBool, optionalInt, optionalString, resourceId, stringList, subnetGroupName } from "./validate.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";

export const MAX_MEMCACHED_NODES = 40;

const clusterNotFound = (id: string) => new AwsError("CacheClusterNotFound", `CacheCluster ${id} not found.`);

async function loadCluster(ctx: ServiceContext, id: string): Promise<CacheCluster> {
  const cluster = await ctx.store.cacheClusters.get(id);
  if (!cluster) throw clusterNotFound(id);
  return cluster;
}

function requireClusterAvailable(cluster: { id: string; status: string }) {
  if (cluster.status !== "available") {
    throw new AwsError("InvalidCacheClusterState", `Cache cluster ${cluster.id} is ${cluster.status}, not available.`);
  }
}

const clusterEvent = (id: string, message: string) => event("cache-cluster", id, message);

export class CacheClusterService {
  constructor(private readonly ctx: ServiceContext) {}

  /** A change is written: wake the controllers and answer with the cluster as it now is. */
  private changed(cluster: CacheCluster) {
    this.ctx.controllers.kick();
    return { CacheCluster: toCacheCluster(this.ctx, cluster, true) };
  }

  async create(input: InputOf<"CreateCacheCluster">): Promise<OutputOf<"CreateCacheCluster">> {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const groupId = input.ReplicationGroupId === undefined ? undefined : resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const tags = parseTags(input.Tags);
    const cluster = await retrying(() => (groupId ? this.joinGroup(id, groupId, input, tags) : this.createStandalone(id, input, tags)));
    return this.changed(cluster);
  }

  private async createStandalone(id: string, input: InputOf<"CreateCacheCluster">, tags: Tag[]): Promise<CacheCluster> {
    const engineName = oneOf(input.Engine, "Engine", ["redis", "valkey", "memcached"] as const);
    if (engineName === undefined) throw errors.missingParameter("Engine");
    const engine = resolveEngine(this.ctx.catalog, engineName, optionalString(input.EngineVersion, "EngineVersion", 20));
    const memcached = engineName === "memcached";
    const numNodes = optionalInt(input.NumCacheNodes, "NumCacheNodes", 1, memcached ? MAX_MEMCACHED_NODES : 1000) ?? 1;
    if (!memcached && numNodes !== 1) {
      throw errors.invalidParameterValue("Redis and Valkey cache clusters have exactly one node (NumCacheNodes 1); use a replication group for replicas.");
    }
    // A single Redis/Valkey node: transit encryption means a TLS-only port ("required"), as CreateCacheCluster has no mode.
    const security = parseCreateSecurity(input, engineName, new Date());
    const cacheNodeType = optionalString(input.CacheNodeType, "CacheNodeType", 64) ?? DEFAULT_NODE_TYPE;
    nodeTypeMemory(cacheNodeType);
    const subnetGroup = input.CacheSubnetGroupName === undefined ? "default" : subnetGroupName(input.CacheSubnetGroupName);
    const zones = await zonesOf(this.ctx.store, subnetGroup);
    const azMode = oneOf(input.AZMode, "AZMode", ["single-az", "cross-az"] as const) ?? "single-az";
    if (azMode === "cross-az" && !memcached) throw errors.invalidParameterValue("AZMode applies to Memcached clusters only.");
    const region = this.ctx.account.region;
    const preferredAz = parseAvailabilityZones(input.PreferredAvailabilityZone === undefined ? undefined : [input.PreferredAvailabilityZone], "PreferredAvailabilityZone", region)?.[0];
    const preferredAzs = parseAvailabilityZones(input.PreferredAvailabilityZones, "PreferredAvailabilityZones", region);
    if (preferredAzs && preferredAzs.length !== numNodes) {
      throw errors.invalidParameterValue(`PreferredAvailabilityZones has ${preferredAzs.length} zones for ${numNodes} nodes; give one per node.`);
    }
    const port = optionalInt(input.Port, "Port", 1024, 65535);
    const backup = parseCreateBackup(input, id, engineName);
    const restoreSource = parseRestoreSource(input);
    if (memcached && restoreSource) throw snapshotsNotSupported();
    const restore = await resolveRestore(this.ctx, restoreSource);
    const zoneOf = (index: number) =>
      preferredAzs?.[index] ?? (azMode === "cross-az" ? zones[index % zones.length] : preferredAz ?? zones[0]);
    const settings = {
      engine: engineName,
      engineVersion: engine.version,
      cacheNodeType,
      port: port ?? (memcached ? 11211 : 6379),
      subnetGroupName: subnetGroup,
      parameterGroupName: await new ParameterGroupService(this.ctx).resolveFor(engine, optionalString(input.CacheParameterGroupName, "CacheParameterGroupName", 255) || undefined),
      ...backup,
      securityGroupIds: parseSecurityGroupIds(input.SecurityGroupIds, this.ctx.subnetIds),
      security,
    };
    await requireNodeQuota(this.ctx.store, numNodes);
    await requireClusterIdsFree(this.ctx.store, [id]);
    if (port !== undefined) await requirePortAvailable(this.ctx.store, port);
    // Memcached: the configuration endpoint gets the requested Port; Redis: its one node does.
    const picked = await pickPorts(this.ctx.store, numNodes + (memcached ? 1 : 0) - (port !== undefined ? 1 : 0));
    const configEndpointPort = memcached ? port ?? picked.pop()! : undefined;
    const ports = !memcached && port !== undefined ? [port, ...picked] : picked;
    const cluster: NewCluster = {
      ...settings,
      id,
      preferredAz: azMode === "cross-az" ? "Multiple" : zoneOf(0),
      status: "creating",
      configEndpointPort,
      dataFile: restore?.dataFiles[0],
      nodes: ports.map((hostPort, index) => ({ nodeId: nodeIdOf(index + 1), az: zoneOf(index), hostPort })),
    };
    return this.ctx.store.cacheClusters.create(cluster, {
      tags: tagsFor(arnOf(this.ctx.account, "cluster", id), tags),
      events: [clusterEvent(id, "Cache cluster created")],
      maxNodes: NODE_QUOTA,
    });
  }

  /** A Redis cluster created with ReplicationGroupId becomes a replica of that group. */
  private async joinGroup(id: string, groupId: string, input: InputOf<"CreateCacheCluster">, tags: Tag[]): Promise<CacheCluster> {
    const group = await loadGroup(this.ctx, groupId);
    requireAvailable(group);
    if (group.clusterEnabled) {
      throw errors.invalidParameterCombination(`Replication group ${groupId} has cluster mode enabled; add replicas with IncreaseReplicaCount.`);
    }
    const nodeGroup = onlyNodeGroup(group);
    const numNodes = optionalInt(input.NumCacheNodes, "NumCacheNodes", 1, 1000) ?? 1;
    if (numNodes !== 1) throw errors.invalidParameterValue("A cache cluster in a replication group has exactly one node.");
    if (parseRestoreSource(input)) throw errors.invalidParameterCombination("A replica syncs from its primary; SnapshotName and SnapshotArns apply to new groups and standalone clusters.");
    const engine = oneOf(input.Engine, "Engine", ["redis", "valkey", "memcached"] as const);
    if (engine !== undefined && engine !== group.engine) {
      throw errors.invalidParameterCombination(`Replication group ${groupId} runs ${group.engine}, not ${engine}.`);
    }
    if (replicasOf(nodeGroup).length >= MAX_REPLICAS) {
      throw new AwsError("NodeQuotaForClusterExceeded", `Replication group ${groupId} already has ${MAX_REPLICAS} replicas.`);
    }
    await requireNodeQuota(this.ctx.store, 1);
    const zones = await zonesOf(this.ctx.store, group.subnetGroupName);
    const az =
      parseAvailabilityZones(input.PreferredAvailabilityZone === undefined ? undefined : [input.PreferredAvailabilityZone], "PreferredAvailabilityZone", this.ctx.account.region)?.[0] ??
      zones[nodeGroup.members.length % zones.length];
    await requireClusterIdsFree(this.ctx.store, [id]);
    // A member is secured as its group is (TransitEncryptionEnabled and AuthToken here are the group's to set).
    if (input.TransitEncryptionEnabled !== undefined || input.AuthToken !== undefined) {
      throw errors.invalidParameterCombination("A cache cluster joining a replication group takes the group's TransitEncryptionEnabled and AuthToken.");
    }
    const [hostPort] = await pickPorts(this.ctx.store, 1);
    const tlsPort = (await pickTlsPorts(this.ctx.store, group.security, 1, [hostPort]))?.[0];
    const member = newMember(settingsOf(group), { id, replicationGroupId: groupId, nodeGroupId: nodeGroup.id, role: "replica", az, hostPort, tlsPort });
    return this.ctx.store.cacheClusters.create(member, {
      group: { id: groupId, version: group.version },
      tags: tagsFor(arnOf(this.ctx.account, "cluster", id), tags),
      events: [clusterEvent(id, "Cache cluster created")],
      maxNodes: NODE_QUOTA,
    });
  }

  async describe(input: InputOf<"DescribeCacheClusters">): Promise<OutputOf<"DescribeCacheClusters">> {
    const request = pageRequest(input);
    const id = input.CacheClusterId === undefined ? undefined : resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const showNodes = optionalBool(input.ShowCacheNodeInfo, "ShowCacheNodeInfo") ?? false;
    const standaloneOnly = optionalBool(input.ShowCacheClustersNotInReplicationGroups, "ShowCacheClustersNotInReplicationGroups") ?? false;
    const clusters = await this.ctx.store.cacheClusters.listShared({ id, standaloneOnly });
    if (id !== undefined && clusters.length === 0) throw clusterNotFound(id);
    return sharedAnswer(clusters, JSON.stringify([request.take, request.after, showNodes]), () => {
      const result = page(clusters, (cluster) => cluster.id, request);
      return { Marker: result.Marker, CacheClusters: result.items.map((cluster) => toCacheCluster(this.ctx, cluster, showNodes)) };
    });
  }

  async modify(input: InputOf<"ModifyCacheCluster">): Promise<OutputOf<"ModifyCacheCluster">> {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const numNodes = optionalInt(input.NumCacheNodes, "NumCacheNodes", 1, MAX_MEMCACHED_NODES);
    const toRemove = stringList(input.CacheNodeIdsToRemove, "CacheNodeIdsToRemove");
    const cacheNodeType = optionalString(input.CacheNodeType, "CacheNodeType", 64);
    if (cacheNodeType !== undefined) nodeTypeMemory(cacheNodeType);
    optionalBool(input.ApplyImmediately, "ApplyImmediately");
    const parameterGroupName = optionalString(input.CacheParameterGroupName, "CacheParameterGroupName", 255) || undefined;
    const securityGroupIds = parseSecurityGroupIds(input.SecurityGroupIds, this.ctx.subnetIds);
    const scaleConfig = parseScaleConfig(input.ScaleConfig);
    // A standalone node's token is set at creation; changing it is built for replication groups only.
    for (const field of ["AuthToken", "AuthTokenUpdateStrategy"] as const) {
      if (input[field] !== undefined) throw errors.invalidParameterValue(`Modifying ${field} of a cache cluster is not supported by elasticache-local yet.`);
    }
    const cluster = await retrying(async () => {
      const current = await loadCluster(this.ctx, id);
      requireClusterAvailable(current);
      const { snapshotRetentionLimit, snapshotWindow } = parseBackupChange(input, current);
      const present = current.nodes.filter((node) => node.desired === "present");
      const target = numNodes ?? present.length;
      if (current.engine !== "memcached" && (numNodes ?? 1) !== 1) {
        throw errors.invalidParameterValue("Redis and Valkey cache clusters have exactly one node.");
      }
      if (current.replicationGroupId && cacheNodeType !== undefined) {
        throw errors.invalidParameterCombination(`Change the node type of replication group ${current.replicationGroupId} instead.`);
      }
      if (scaleConfig && current.engine !== "memcached") {
        throw errors.invalidParameterCombination("ScaleConfig applies to Memcached clusters only.");
      }
      if (current.replicationGroupId && securityGroupIds !== undefined) {
        throw errors.invalidParameterCombination(`Change the security groups of replication group ${current.replicationGroupId} instead.`);
      }
      let removing: string[] = [];
      if (target < present.length) {
        if (!toRemove || toRemove.length !== present.length - target) {
          throw errors.invalidParameterCombination(
            `To go from ${present.length} to ${target} nodes, list exactly ${present.length - target} node ids in CacheNodeIdsToRemove.`,
          );
        }
        removing = toRemove;
      } else if (toRemove?.length) {
        throw errors.invalidParameterCombination("CacheNodeIdsToRemove requires NumCacheNodes lower than the current node count.");
      }
      const unknown = removing.find((nodeId) => !present.some((node) => node.nodeId === nodeId));
      if (unknown !== undefined) throw errors.invalidParameterValue(`Cache node ${unknown} is not a node of ${id}.`);
      const adding = Math.max(0, target - present.length);
      await requireNodeQuota(this.ctx.store, adding);
      const ports = await pickPorts(this.ctx.store, adding);
      const resize = cacheNodeType !== undefined && cacheNodeType !== current.cacheNodeType;
      if (current.replicationGroupId && parameterGroupName !== undefined) {
        throw errors.invalidParameterCombination(`Change the parameter group of replication group ${current.replicationGroupId} instead.`);
      }
      const parameterGroup = await new ParameterGroupService(this.ctx).switchTo(offer(current.engine, current.engineVersion), current.parameterGroupName, parameterGroupName);
      const changesNodes = adding > 0 || removing.length > 0;
      const highest = Math.max(0, ...current.nodes.map((node) => nodeNumberOf(node.nodeId)));
      const zones = await zonesOf(this.ctx.store, current.subnetGroupName);
      return this.ctx.store.cacheClusters.modify(
        id,
        current.version,
        {
          numCacheNodes: target,
          cacheNodeType,
          snapshotRetentionLimit,
          snapshotWindow,
          status: changesNodes || resize ? "modifying" : undefined,
          // A Memcached node's memory limit is a start flag: a new node type replaces its nodes
          // (empty, as on AWS); Redis takes a new maxmemory live (cluster-reconciler.ts).
          restartNodes: resize && current.engine === "memcached",
          securityGroupIds,
          parameterGroup,
          addNodes: ports.map((hostPort, index) => ({ nodeId: nodeIdOf(highest + index + 1), az: zones[(highest + index) % zones.length], hostPort })),
          removeNodeIds: removing,
        },
        [clusterEvent(id, "Cache cluster modified")],
        NODE_QUOTA,
      );
    });
    return this.changed(cluster);
  }

  async delete(input: InputOf<"DeleteCacheCluster">): Promise<OutputOf<"DeleteCacheCluster">> {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const finalName = input.FinalSnapshotIdentifier === undefined ? undefined : snapshotName(input.FinalSnapshotIdentifier, "FinalSnapshotIdentifier");
    const cluster = await retrying(async () => {
      const current = await loadCluster(this.ctx, id);
      if (current.status !== "available" && current.status !== "create-failed") {
        throw new AwsError("InvalidCacheClusterState", `Cache cluster ${id} is ${current.status}; it can be deleted when available.`);
      }
      let group: { id: string; version: number } | undefined;
      if (current.replicationGroupId) {
        const owner = await loadGroup(this.ctx, current.replicationGroupId);
        if (current.role === "primary") {
          throw new AwsError("InvalidCacheClusterState", `Cache cluster ${id} is the primary of replication group ${owner.id}; delete the group instead.`);
        }
        requireAvailable(owner);
        if (owner.clusterEnabled) {
          throw errors.invalidParameterCombination(`Cache cluster ${id} is a member of cluster-mode-enabled group ${owner.id}; remove it with DecreaseReplicaCount.`);
        }
        if (owner.automaticFailover && replicasOf(onlyNodeGroup(owner)).length <= 1) {
          throw errors.invalidParameterValue(`Replication group ${owner.id} has automatic failover and needs at least one replica.`);
        }
        group = { id: owner.id, version: owner.version };
      }
      let finalSnapshot;
      if (finalName !== undefined) {
        if (current.engine === "memcached") throw snapshotsNotSupported();
        if (current.replicationGroupId) throw errors.invalidParameterCombination("A final snapshot is taken of the replication group (DeleteReplicationGroup), not of a member.");
        if (current.status !== "available") throw new AwsError("InvalidCacheClusterState", `Cache cluster ${id} is ${current.status}; a final snapshot needs it available.`);
        finalSnapshot = snapshotOfCluster(current, finalName, "manual");
      }
      return this.ctx.store.cacheClusters.markDeleting(id, current.version, group, [], finalSnapshot);
    });
    return this.changed(cluster);
  }

  async reboot(input: InputOf<"RebootCacheCluster">): Promise<OutputOf<"RebootCacheCluster">> {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const nodeIds = stringList(input.CacheNodeIdsToReboot, "CacheNodeIdsToReboot");
    if (!nodeIds || nodeIds.length === 0) throw errors.missingParameter("CacheNodeIdsToReboot");
    const cluster = await retrying(async () => {
      const current = await loadCluster(this.ctx, id);
      requireClusterAvailable(current);
      const unknown = nodeIds.find((nodeId) => !current.nodes.some((node) => node.nodeId === nodeId));
      if (unknown !== undefined) throw errors.invalidParameterValue(`Cache node ${unknown} is not a node of ${id}.`);
      return this.ctx.store.cacheClusters.markRebooting(id, current.version, nodeIds, []);
    });
    return this.changed(cluster);
  }
}

/**
 * ScaleConfig of a Memcached node type change, checked with AWS's ranges. The batches it asks for
 * are not timed here: every node is replaced at once (README, "CacheNodeType").
 */
function parseScaleConfig(value: unknown): { ScalePercentage?: number; ScaleIntervalMinutes?: number } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw errors.invalidParameterValue("ScaleConfig must be a structure.");
  const config = value as Record<string, unknown>;
  return {
    ScalePercentage: optionalInt(config.ScalePercentage, "ScaleConfig.ScalePercentage", 10, 100),
    ScaleIntervalMinutes: optionalInt(config.ScaleIntervalMinutes, "ScaleConfig.ScaleIntervalMinutes", 2, 30),
  };
}
