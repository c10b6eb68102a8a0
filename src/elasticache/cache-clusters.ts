/**
 * Cache clusters: Memcached with 1–40 nodes, Redis/Valkey with one node, or a Redis cluster that
 * joins an existing replication group as a replica. Same pattern as replication groups: write
 * the desired state, wake the reconciler, return.
 */
import type { Db } from "../store/database.ts";
import { arnOf } from "../domain/arn.ts";
import { DEFAULT_NODE_TYPE } from "../domain/catalog.ts";
import { nodeTypeMemory, parameterGroupFor, resolveEngine } from "./catalog.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "./errors.ts";
import { recordEvent } from "./events.ts";
import { firstNodeGroupId, nodeIdOf } from "../domain/names.ts";
import { addNodeRows, createClusterRows, requireClusterIdsFree, type NewCluster } from "./members.ts";
import { page, pageRequest } from "./paging.ts";
import { checkRequestedPort, claimPorts, endpointPortOwner, pickPorts } from "./ports.ts";
import { isUniqueViolation } from "./prisma-errors.ts";
import { MAX_REPLICAS, parseAvailabilityZones, parseSnapshotWindow } from "./replication-group-input.ts";
import { loadGroup, requireAvailable, requireNodeQuota, settingsOf, zonesOf } from "./replication-groups.ts";
import { clusterWithNodes, toCacheCluster, type ClusterRow } from "./shapes.ts";
import { parseTags, writeTags } from "./tags.ts";
import { oneOf, optionalBool, optionalInt, optionalString, resourceId, stringList, subnetGroupName } from "./validate.ts";

export const MAX_MEMCACHED_NODES = 40;

const clusterNotFound = (id: string) => new AwsError("CacheClusterNotFound", `CacheCluster ${id} not found.`);

async function loadCluster(db: Pick<Db, "cacheCluster">, id: string): Promise<ClusterRow> {
  const cluster = await db.cacheCluster.findUnique({ where: { id }, include: clusterWithNodes });
  if (!cluster) throw clusterNotFound(id);
  return cluster;
}

function requireClusterAvailable(cluster: { id: string; status: string }) {
  if (cluster.status !== "available") {
    throw new AwsError("InvalidCacheClusterState", `Cache cluster ${cluster.id} is ${cluster.status}, not available.`);
  }
}

export class CacheClusterService {
  constructor(private readonly ctx: ServiceContext) {}

  private shape(cluster: ClusterRow, showNodes = true) {
    return toCacheCluster(this.ctx, cluster, showNodes);
  }

  async create(input: Record<string, unknown>) {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const groupId = input.ReplicationGroupId === undefined ? undefined : resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const tags = parseTags(input.Tags);
    const cluster = groupId ? await this.joinGroup(id, groupId, input) : await this.createStandalone(id, input);
    await writeTags(this.ctx.db, arnOf(this.ctx.account, "cluster", id), tags);
    this.ctx.kick();
    return { CacheCluster: this.shape(await loadCluster(this.ctx.db, cluster)) };
  }

  private async createStandalone(id: string, input: Record<string, unknown>): Promise<string> {
    const engineName = oneOf(input.Engine, "Engine", ["redis", "valkey", "memcached"] as const);
    if (engineName === undefined) throw errors.missingParameter("Engine");
    const engine = resolveEngine(this.ctx.catalog, engineName, optionalString(input.EngineVersion, "EngineVersion", 20));
    const memcached = engineName === "memcached";
    const numNodes = optionalInt(input.NumCacheNodes, "NumCacheNodes", 1, memcached ? MAX_MEMCACHED_NODES : 1000) ?? 1;
    if (!memcached && numNodes !== 1) {
      throw errors.invalidParameterValue("Redis and Valkey cache clusters have exactly one node (NumCacheNodes 1); use a replication group for replicas.");
    }
    if (!memcached && optionalBool(input.TransitEncryptionEnabled, "TransitEncryptionEnabled")) {
      throw errors.invalidParameterValue("TransitEncryptionEnabled is not supported by elasticache-local yet.");
    }
    if (input.AuthToken !== undefined) throw errors.invalidParameterValue("AuthToken is not supported by elasticache-local yet.");
    const cacheNodeType = optionalString(input.CacheNodeType, "CacheNodeType", 64) ?? DEFAULT_NODE_TYPE;
    nodeTypeMemory(cacheNodeType);
    const subnetGroup = input.CacheSubnetGroupName === undefined ? "default" : subnetGroupName(input.CacheSubnetGroupName);
    const zones = await zonesOf(this.ctx.db, subnetGroup);
    const azMode = oneOf(input.AZMode, "AZMode", ["single-az", "cross-az"] as const) ?? "single-az";
    if (azMode === "cross-az" && !memcached) throw errors.invalidParameterValue("AZMode applies to Memcached clusters only.");
    const region = this.ctx.account.region;
    const preferredAz = parseAvailabilityZones(input.PreferredAvailabilityZone === undefined ? undefined : [input.PreferredAvailabilityZone], "PreferredAvailabilityZone", region)?.[0];
    const preferredAzs = parseAvailabilityZones(input.PreferredAvailabilityZones, "PreferredAvailabilityZones", region);
    if (preferredAzs && preferredAzs.length !== numNodes) {
      throw errors.invalidParameterValue(`PreferredAvailabilityZones has ${preferredAzs.length} zones for ${numNodes} nodes; give one per node.`);
    }
    const port = optionalInt(input.Port, "Port", 1024, 65535);
    const snapshotRetentionLimit = optionalInt(input.SnapshotRetentionLimit, "SnapshotRetentionLimit", 0, 35) ?? 0;
    if (memcached && snapshotRetentionLimit > 0) throw errors.invalidParameterValue("Memcached clusters do not take snapshots.");
    const zoneOf = (index: number) =>
      preferredAzs?.[index] ?? (azMode === "cross-az" ? zones[index % zones.length] : preferredAz ?? zones[0]);
    const settings = {
      engine: engineName,
      engineVersion: engine.version,
      cacheNodeType,
      port: port ?? (memcached ? 11211 : 6379),
      subnetGroupName: subnetGroup,
      parameterGroupName: parameterGroupFor(engine, optionalString(input.CacheParameterGroupName, "CacheParameterGroupName", 255)),
      snapshotRetentionLimit,
      snapshotWindow: parseSnapshotWindow(input.SnapshotWindow),
    };
    await requireNodeQuota(this.ctx.db, numNodes);
    await requireClusterIdsFree(this.ctx.db, [id]);
    if (port !== undefined) await checkRequestedPort(this.ctx.db, this.ctx.ports, port);
    // Memcached: the configuration endpoint gets the requested Port; Redis: its one node does.
    const picked = await pickPorts(this.ctx.db, this.ctx.ports, numNodes + (memcached ? 1 : 0) - (port !== undefined ? 1 : 0));
    const configEndpointPort = memcached ? port ?? picked.pop()! : undefined;
    const ports = !memcached && port !== undefined ? [port, ...picked] : picked;
    const row: NewCluster = {
      ...settings,
      id,
      preferredAz: azMode === "cross-az" ? "Multiple" : zoneOf(0),
      status: "creating",
      configEndpointPort,
      nodes: ports.map((hostPort, index) => ({ nodeId: nodeIdOf(index + 1), az: zoneOf(index), hostPort })),
    };
    await this.insert(row, configEndpointPort === undefined ? undefined : (tx) => claimPorts(tx, [{ port: configEndpointPort, owner: endpointPortOwner(id, "configuration") }]));
    return id;
  }

  private async insert(row: NewCluster, before?: (tx: Parameters<Parameters<Db["$transaction"]>[0]>[0]) => Promise<void>) {
    try {
      await this.ctx.db.$transaction(async (tx) => {
        await before?.(tx);
        await requireClusterIdsFree(tx, [row.id]);
        await createClusterRows(tx, row);
        await recordEvent(tx, "cache-cluster", row.id, "Cache cluster created");
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        const target = String((error as { meta?: { target?: unknown } }).meta?.target ?? "");
        if (target.includes("port")) throw errors.invalidParameterValue("A port was taken concurrently; try again.");
        throw new AwsError("CacheClusterAlreadyExists", `Cache cluster ${row.id} already exists.`);
      }
      throw error;
    }
  }

  /** A Redis cluster created with ReplicationGroupId becomes a replica of that group. */
  private async joinGroup(id: string, groupId: string, input: Record<string, unknown>): Promise<string> {
    const group = await loadGroup(this.ctx.db, groupId);
    requireAvailable(group);
    const numNodes = optionalInt(input.NumCacheNodes, "NumCacheNodes", 1, 1000) ?? 1;
    if (numNodes !== 1) throw errors.invalidParameterValue("A cache cluster in a replication group has exactly one node.");
    const engine = oneOf(input.Engine, "Engine", ["redis", "valkey", "memcached"] as const);
    if (engine !== undefined && engine !== group.engine) {
      throw errors.invalidParameterCombination(`Replication group ${groupId} runs ${group.engine}, not ${engine}.`);
    }
    if (group.clusters.length >= MAX_REPLICAS + 1) {
      throw new AwsError("NodeQuotaForClusterExceeded", `Replication group ${groupId} already has ${MAX_REPLICAS} replicas.`);
    }
    await requireNodeQuota(this.ctx.db, 1);
    const zones = await zonesOf(this.ctx.db, group.subnetGroupName);
    const az =
      parseAvailabilityZones(input.PreferredAvailabilityZone === undefined ? undefined : [input.PreferredAvailabilityZone], "PreferredAvailabilityZone", this.ctx.account.region)?.[0] ??
      zones[group.clusters.length % zones.length];
    const [hostPort] = await pickPorts(this.ctx.db, this.ctx.ports, 1);
    await this.insert(
      {
        ...settingsOf(group),
        id,
        replicationGroupId: groupId,
        nodeGroupId: firstNodeGroupId(),
        role: "replica",
        preferredAz: az,
        status: "creating",
        nodes: [{ nodeId: nodeIdOf(1), az, hostPort }],
      },
      async (tx) => {
        requireAvailable(await loadGroup(tx, groupId));
        await tx.replicationGroup.update({ where: { id: groupId }, data: { status: "modifying" } });
      },
    );
    return id;
  }

  async describe(input: Record<string, unknown>) {
    const request = pageRequest(input);
    const id = input.CacheClusterId === undefined ? undefined : resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const showNodes = optionalBool(input.ShowCacheNodeInfo, "ShowCacheNodeInfo") ?? false;
    const standaloneOnly = optionalBool(input.ShowCacheClustersNotInReplicationGroups, "ShowCacheClustersNotInReplicationGroups") ?? false;
    const clusters = await this.ctx.db.cacheCluster.findMany({
      where: { ...(id === undefined ? {} : { id }), ...(standaloneOnly ? { replicationGroupId: null } : {}) },
      include: clusterWithNodes,
      orderBy: { id: "asc" },
    });
    if (id !== undefined && clusters.length === 0) throw clusterNotFound(id);
    const result = page(clusters, (cluster) => cluster.id, request);
    return { Marker: result.Marker, CacheClusters: result.items.map((cluster) => this.shape(cluster, showNodes)) };
  }

  async modify(input: Record<string, unknown>) {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const numNodes = optionalInt(input.NumCacheNodes, "NumCacheNodes", 1, MAX_MEMCACHED_NODES);
    const toRemove = stringList(input.CacheNodeIdsToRemove, "CacheNodeIdsToRemove");
    const cacheNodeType = optionalString(input.CacheNodeType, "CacheNodeType", 64);
    if (cacheNodeType !== undefined) nodeTypeMemory(cacheNodeType);
    const snapshotRetentionLimit = optionalInt(input.SnapshotRetentionLimit, "SnapshotRetentionLimit", 0, 35);
    const snapshotWindow = input.SnapshotWindow === undefined ? undefined : parseSnapshotWindow(input.SnapshotWindow);
    optionalBool(input.ApplyImmediately, "ApplyImmediately");
    const current = await loadCluster(this.ctx.db, id);
    requireClusterAvailable(current);
    const present = current.nodes.filter((node) => node.desired === "present");
    const target = numNodes ?? present.length;
    if (current.engine !== "memcached" && (numNodes ?? 1) !== 1) {
      throw errors.invalidParameterValue("Redis and Valkey cache clusters have exactly one node.");
    }
    if (current.replicationGroupId && cacheNodeType !== undefined) {
      throw errors.invalidParameterCombination(`Change the node type of replication group ${current.replicationGroupId} instead.`);
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
    await requireNodeQuota(this.ctx.db, adding);
    const ports = await pickPorts(this.ctx.db, this.ctx.ports, adding);
    const resize = cacheNodeType !== undefined && cacheNodeType !== current.cacheNodeType;
    const changesNodes = adding > 0 || removing.length > 0;
    await this.ctx.db.$transaction(async (tx) => {
      requireClusterAvailable(await loadCluster(tx, id));
      const highest = Math.max(0, ...current.nodes.map((node) => Number(node.nodeId)));
      const zones = await zonesOf(tx, current.subnetGroupName);
      await addNodeRows(
        tx,
        id,
        ports.map((hostPort, index) => ({ nodeId: nodeIdOf(highest + index + 1), az: zones[(highest + index) % zones.length], hostPort })),
      );
      await tx.cacheNode.updateMany({ where: { clusterId: id, nodeId: { in: removing } }, data: { desired: "absent", status: "deleting" } });
      await tx.cacheCluster.update({
        where: { id },
        data: {
          numCacheNodes: target,
          cacheNodeType,
          snapshotRetentionLimit,
          snapshotWindow,
          status: changesNodes || resize ? "modifying" : undefined,
        },
      });
      await recordEvent(tx, "cache-cluster", id, "Cache cluster modified");
    });
    this.ctx.kick();
    return { CacheCluster: this.shape(await loadCluster(this.ctx.db, id)) };
  }

  async delete(input: Record<string, unknown>) {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    if (input.FinalSnapshotIdentifier !== undefined) {
      throw errors.invalidParameterValue("FinalSnapshotIdentifier is not supported by elasticache-local yet.");
    }
    await this.ctx.db.$transaction(async (tx) => {
      const cluster = await loadCluster(tx, id);
      if (cluster.status !== "available" && cluster.status !== "create-failed") {
        throw new AwsError("InvalidCacheClusterState", `Cache cluster ${id} is ${cluster.status}; it can be deleted when available.`);
      }
      if (cluster.replicationGroupId) {
        const group = await loadGroup(tx, cluster.replicationGroupId);
        if (cluster.role === "primary") {
          throw new AwsError("InvalidCacheClusterState", `Cache cluster ${id} is the primary of replication group ${group.id}; delete the group instead.`);
        }
        requireAvailable(group);
        if (group.automaticFailover && group.clusters.filter((member) => member.role === "replica").length <= 1) {
          throw errors.invalidParameterValue(`Replication group ${group.id} has automatic failover and needs at least one replica.`);
        }
        await tx.replicationGroup.update({ where: { id: group.id }, data: { status: "modifying" } });
      }
      await tx.cacheCluster.update({ where: { id }, data: { status: "deleting" } });
      await tx.cacheNode.updateMany({ where: { clusterId: id }, data: { desired: "absent", status: "deleting" } });
    });
    this.ctx.kick();
    return { CacheCluster: this.shape(await loadCluster(this.ctx.db, id)) };
  }

  async reboot(input: Record<string, unknown>) {
    const id = resourceId(input.CacheClusterId, "CacheClusterId", 50);
    const nodeIds = stringList(input.CacheNodeIdsToReboot, "CacheNodeIdsToReboot");
    if (!nodeIds || nodeIds.length === 0) throw errors.missingParameter("CacheNodeIdsToReboot");
    await this.ctx.db.$transaction(async (tx) => {
      const cluster = await loadCluster(tx, id);
      requireClusterAvailable(cluster);
      const unknown = nodeIds.find((nodeId) => !cluster.nodes.some((node) => node.nodeId === nodeId));
      if (unknown !== undefined) throw errors.invalidParameterValue(`Cache node ${unknown} is not a node of ${id}.`);
      await tx.cacheCluster.update({ where: { id }, data: { status: "rebooting cluster nodes" } });
      await tx.cacheNode.updateMany({ where: { clusterId: id, nodeId: { in: nodeIds } }, data: { status: "rebooting" } });
    });
    this.ctx.kick();
    return { CacheCluster: this.shape(await loadCluster(this.ctx.db, id)) };
  }
}
