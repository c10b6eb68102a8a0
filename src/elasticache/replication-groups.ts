/**
 * Replication groups (cluster mode disabled): one node group, members <id>-001… each with
 * one node. Handlers validate, write the desired state with status creating / modifying /
 * deleting in one transaction, wake the reconciler and return; only the reconciler makes a group
 * available.
 */
import type { Db } from "../store/database.ts";
import { arnOf } from "../domain/arn.ts";
import { nodeTypeMemory } from "./catalog.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "./errors.ts";
import { recordEvent } from "./events.ts";
import { firstNodeGroupId, memberIdOf, nodeIdOf, normalizeNodeGroupId } from "../domain/names.ts";
import { createClusterRows, nextMemberIds, requireClusterIdsFree, type ClusterSettings } from "./members.ts";
import { page, pageRequest } from "./paging.ts";
import { checkRequestedPort, claimPorts, endpointPortOwner, pickPorts } from "./ports.ts";
import { isUniqueViolation } from "./prisma-errors.ts";
import { MAX_REPLICAS, parseCreateReplicationGroup, parseSnapshotWindow, type ReplicationGroupPlan } from "./replication-group-input.ts";
import { groupWithMembers, primaryOf, toReplicationGroup, type GroupRow } from "./shapes.ts";
import { writeTags } from "./tags.ts";
import { optionalBool, optionalInt, optionalString, resourceId, stringList } from "./validate.ts";

/** AWS allows 15 tested shards per rolling 24 hours. */
export const TEST_FAILOVERS_PER_DAY = 15;

/** The account-wide node quota AWS applies by default. */
export const NODE_QUOTA = 300;

export const groupNotFound = (id: string) => new AwsError("ReplicationGroupNotFoundFault", `ReplicationGroup ${id} not found.`);

export async function loadGroup(db: Pick<Db, "replicationGroup">, id: string): Promise<GroupRow> {
  const group = await db.replicationGroup.findUnique({ where: { id }, include: groupWithMembers });
  if (!group) throw groupNotFound(id);
  return group;
}

export function requireAvailable(group: { id: string; status: string }): void {
  if (group.status !== "available") {
    throw new AwsError("InvalidReplicationGroupState", `Replication group ${group.id} is ${group.status}, not available.`);
  }
}

export async function requireNodeQuota(db: Pick<Db, "cacheNode">, adding: number): Promise<void> {
  const nodes = await db.cacheNode.count();
  if (nodes + adding > NODE_QUOTA) {
    throw new AwsError("NodeQuotaForCustomerExceeded", `This account may run at most ${NODE_QUOTA} cache nodes; ${nodes} exist.`);
  }
}

/** Availability zones of the subnet group, used round-robin for members without a preferred zone. */
export async function zonesOf(db: Pick<Db, "subnet">, subnetGroupName: string): Promise<string[]> {
  const subnets = await db.subnet.findMany({ where: { groupName: subnetGroupName }, orderBy: { subnetId: "asc" } });
  const zones = [...new Set(subnets.map((subnet) => subnet.availabilityZone))].sort();
  if (zones.length === 0) throw new AwsError("CacheSubnetGroupNotFoundFault", `Cache subnet group ${subnetGroupName} not found.`);
  return zones;
}

/** The settings a new member inherits from its group. */
export function settingsOf(from: GroupRow): ClusterSettings {
  return {
    engine: from.engine,
    engineVersion: from.engineVersion,
    cacheNodeType: from.cacheNodeType,
    port: from.port,
    subnetGroupName: from.subnetGroupName,
    parameterGroupName: from.parameterGroupName,
    snapshotRetentionLimit: from.snapshotRetentionLimit,
    snapshotWindow: from.snapshotWindow,
  };
}

export class ReplicationGroupService {
  constructor(private readonly ctx: ServiceContext) {}

  private shape(group: GroupRow) {
    return toReplicationGroup(this.ctx, group);
  }

  /** A change is written: wake the reconciler and answer with the group as it now is. */
  private changed(group: GroupRow) {
    this.ctx.kick();
    return { ReplicationGroup: this.shape(group) };
  }

  async create(input: Record<string, unknown>) {
    const plan = parseCreateReplicationGroup(input, this.ctx.catalog, this.ctx.account.region);
    const zones = await zonesOf(this.ctx.db, plan.subnetGroupName);
    const existingPrimary = plan.primaryClusterId ? await this.adoptablePrimary(plan) : undefined;
    const newMembers = plan.numCacheClusters - (existingPrimary ? 1 : 0);
    await requireNodeQuota(this.ctx.db, newMembers);
    if (plan.port !== undefined) await checkRequestedPort(this.ctx.db, this.ctx.ports, plan.port);
    // Three tries: a concurrent create may claim a port we picked between the pick and the claim.
    for (let attempt = 1; ; attempt++) {
      try {
        return { ReplicationGroup: this.shape(await this.insert(plan, zones, newMembers, existingPrimary?.id)) };
      } catch (error) {
        if (error instanceof AwsError || !isUniqueViolation(error) || attempt === 3) throw this.explainConflict(error, plan.id);
      }
    }
  }

  private explainConflict(error: unknown, id: string): unknown {
    if (!isUniqueViolation(error)) return error;
    const target = String((error as { meta?: { target?: unknown } }).meta?.target ?? "");
    if (target.includes("port")) return errors.invalidParameterValue("The requested port was taken concurrently; try again.");
    return new AwsError("ReplicationGroupAlreadyExists", `Replication group ${id} already exists.`);
  }

  private async adoptablePrimary(plan: ReplicationGroupPlan) {
    const cluster = await this.ctx.db.cacheCluster.findUnique({ where: { id: plan.primaryClusterId! } });
    if (!cluster) throw new AwsError("CacheClusterNotFound", `CacheCluster ${plan.primaryClusterId} not found.`);
    if (cluster.replicationGroupId) {
      throw new AwsError("InvalidCacheClusterState", `Cache cluster ${cluster.id} already belongs to replication group ${cluster.replicationGroupId}.`);
    }
    if (cluster.engine === "memcached") throw errors.invalidParameterValue(`Cache cluster ${cluster.id} runs Memcached, which does not replicate.`);
    if (cluster.status !== "available") throw new AwsError("InvalidCacheClusterState", `Cache cluster ${cluster.id} is ${cluster.status}, not available.`);
    return cluster;
  }

  private async insert(plan: ReplicationGroupPlan, zones: string[], newMembers: number, existingPrimaryId?: string): Promise<GroupRow> {
    // Nodes get ports from the range; the primary endpoint gets the requested Port when given.
    const picked = await pickPorts(this.ctx.db, this.ctx.ports, newMembers + (plan.port === undefined ? 2 : 1));
    const primaryEndpointPort = plan.port ?? picked.pop()!;
    const readerEndpointPort = picked.pop()!;
    const ports = picked;
    // What every member inherits from the group, and the group stores too.
    const settings: ClusterSettings = {
      engine: plan.engine.engine,
      engineVersion: plan.engine.version,
      cacheNodeType: plan.cacheNodeType,
      port: plan.port ?? 6379,
      subnetGroupName: plan.subnetGroupName,
      parameterGroupName: plan.parameterGroupName,
      snapshotRetentionLimit: plan.snapshotRetentionLimit,
      snapshotWindow: plan.snapshotWindow,
    };
    return this.ctx.db.$transaction(async (tx) => {
      await claimPorts(tx, [
        { port: primaryEndpointPort, owner: endpointPortOwner(plan.id, "primary") },
        { port: readerEndpointPort, owner: endpointPortOwner(plan.id, "reader") },
      ]);
      const memberIds = existingPrimaryId
        ? await nextMemberIds(tx, plan.id, newMembers)
        : Array.from({ length: newMembers }, (_, index) => memberIdOf(plan.id, index + 1));
      // The group itself first: its members <id>-00N exist too, and a duplicate is a group error.
      if (await tx.replicationGroup.findUnique({ where: { id: plan.id }, select: { id: true } })) {
        throw new AwsError("ReplicationGroupAlreadyExists", `Replication group ${plan.id} already exists.`);
      }
      await requireClusterIdsFree(tx, memberIds);
      const primaryId = existingPrimaryId ?? memberIds[0];
      await tx.replicationGroup.create({
        data: {
          id: plan.id,
          description: plan.description,
          status: "creating",
          ...settings,
          automaticFailover: plan.automaticFailover,
          multiAz: plan.multiAz,
          atRestEncryption: plan.atRestEncryption,
          primaryClusterId: primaryId,
          primaryEndpointPort,
          readerEndpointPort,
          nodeGroups: { create: { nodeGroupId: firstNodeGroupId(), status: "creating" } },
        },
      });
      if (existingPrimaryId) {
        await tx.cacheCluster.update({
          where: { id: existingPrimaryId },
          data: { replicationGroupId: plan.id, nodeGroupId: firstNodeGroupId(), role: "primary", status: "modifying" },
        });
      }
      const offset = existingPrimaryId ? 1 : 0;
      for (const [index, clusterId] of memberIds.entries()) {
        const az = plan.preferredAzs?.[index + offset] ?? zones[(index + offset) % zones.length];
        await createClusterRows(tx, {
          ...settings,
          id: clusterId,
          replicationGroupId: plan.id,
          nodeGroupId: firstNodeGroupId(),
          role: clusterId === primaryId ? "primary" : "replica",
          preferredAz: az,
          status: "creating",
          nodes: [{ nodeId: nodeIdOf(1), az, hostPort: ports[index] }],
        });
      }
      await writeTags(tx, arnOf(this.ctx.account, "replicationgroup", plan.id), plan.tags);
      await recordEvent(tx, "replication-group", plan.id, `Replication group ${plan.id} created`);
      return loadGroup(tx, plan.id);
    }).finally(() => this.ctx.kick());
  }

  async describe(input: Record<string, unknown>) {
    const request = pageRequest(input);
    const id = input.ReplicationGroupId === undefined ? undefined : resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const groups = await this.ctx.db.replicationGroup.findMany({
      where: id === undefined ? {} : { id },
      include: groupWithMembers,
      orderBy: { id: "asc" },
    });
    if (id !== undefined && groups.length === 0) throw groupNotFound(id);
    const result = page(groups, (group) => group.id, request);
    return { Marker: result.Marker, ReplicationGroups: result.items.map((group) => this.shape(group)) };
  }

  async modify(input: Record<string, unknown>) {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const description = optionalString(input.ReplicationGroupDescription, "ReplicationGroupDescription", 255);
    const automaticFailover = optionalBool(input.AutomaticFailoverEnabled, "AutomaticFailoverEnabled");
    const multiAz = optionalBool(input.MultiAZEnabled, "MultiAZEnabled");
    const cacheNodeType = optionalString(input.CacheNodeType, "CacheNodeType", 64);
    if (cacheNodeType !== undefined) nodeTypeMemory(cacheNodeType);
    optionalBool(input.ApplyImmediately, "ApplyImmediately");
    const snapshotRetentionLimit = optionalInt(input.SnapshotRetentionLimit, "SnapshotRetentionLimit", 0, 35);
    const snapshotWindow = input.SnapshotWindow === undefined ? undefined : parseSnapshotWindow(input.SnapshotWindow);
    for (const field of ["PrimaryClusterId", "EngineVersion", "AuthToken", "UserGroupIdsToAdd", "TransitEncryptionEnabled"]) {
      const value = input[field];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        throw errors.invalidParameterValue(`Modifying ${field} is not supported by elasticache-local yet.`);
      }
    }
    const group = await this.ctx.db.$transaction(async (tx) => {
      const current = await loadGroup(tx, id);
      requireAvailable(current);
      const members = current.clusters.length;
      const failover = automaticFailover ?? current.automaticFailover;
      if (failover && members < 2) {
        throw errors.invalidParameterCombination("Automatic failover needs at least one replica; add replicas first.");
      }
      if ((multiAz ?? current.multiAz) && !failover) {
        throw errors.invalidParameterCombination("MultiAZEnabled requires AutomaticFailoverEnabled.");
      }
      const resize = cacheNodeType !== undefined && cacheNodeType !== current.cacheNodeType;
      await tx.replicationGroup.update({
        where: { id },
        data: {
          description,
          automaticFailover,
          multiAz,
          snapshotRetentionLimit,
          snapshotWindow,
          cacheNodeType,
          // A new node type changes every node's memory: the reconciler applies it, then the group is available again.
          status: resize ? "modifying" : undefined,
        },
      });
      if (resize) {
        await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { cacheNodeType, status: "modifying" } });
      }
      await recordEvent(tx, "replication-group", id, `Replication group ${id} modified`);
      return loadGroup(tx, id);
    });
    return this.changed(group);
  }

  async delete(input: Record<string, unknown>) {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const retainPrimary = optionalBool(input.RetainPrimaryCluster, "RetainPrimaryCluster") ?? false;
    if (input.FinalSnapshotIdentifier !== undefined) {
      throw errors.invalidParameterValue("FinalSnapshotIdentifier is not supported by elasticache-local yet.");
    }
    const group = await this.ctx.db.$transaction(async (tx) => {
      const current = await loadGroup(tx, id);
      if (current.status !== "available" && current.status !== "create-failed") {
        throw new AwsError("InvalidReplicationGroupState", `Replication group ${id} is ${current.status}; it can be deleted when available.`);
      }
      const primary = primaryOf(current);
      if (retainPrimary && primary) {
        // The primary leaves the group and lives on as a standalone cluster.
        await tx.cacheCluster.update({
          where: { id: primary.id },
          data: { replicationGroupId: null, nodeGroupId: null, role: null },
        });
      }
      await tx.replicationGroup.update({ where: { id }, data: { status: "deleting" } });
      await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { status: "deleting" } });
      await recordEvent(tx, "replication-group", id, `Replication group ${id} deleting`);
      return loadGroup(tx, id);
    });
    return this.changed(group);
  }

  async increaseReplicaCount(input: Record<string, unknown>) {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const wanted = this.newReplicaCount(input);
    if (optionalBool(input.ApplyImmediately, "ApplyImmediately") === undefined) throw errors.missingParameter("ApplyImmediately");
    const current = await loadGroup(this.ctx.db, id);
    requireAvailable(current);
    const replicas = current.clusters.filter((cluster) => cluster.role === "replica").length;
    if (wanted <= replicas) {
      throw errors.invalidParameterValue(`NewReplicaCount ${wanted} must be greater than the current ${replicas} replicas.`);
    }
    if (wanted > MAX_REPLICAS) {
      throw errors.invalidParameterValue(`NewReplicaCount ${wanted} is above the ${MAX_REPLICAS} replicas a node group can have.`);
    }
    const adding = wanted - replicas;
    await requireNodeQuota(this.ctx.db, adding);
    const zones = await zonesOf(this.ctx.db, current.subnetGroupName);
    const ports = await pickPorts(this.ctx.db, this.ctx.ports, adding);
    const group = await this.ctx.db.$transaction(async (tx) => {
      const fresh = await loadGroup(tx, id);
      requireAvailable(fresh);
      const ids = await nextMemberIds(tx, id, adding);
      for (const [index, clusterId] of ids.entries()) {
        const az = zones[(fresh.clusters.length + index) % zones.length];
        await createClusterRows(tx, {
          ...settingsOf(fresh),
          id: clusterId,
          replicationGroupId: id,
          nodeGroupId: firstNodeGroupId(),
          role: "replica",
          preferredAz: az,
          status: "creating",
          nodes: [{ nodeId: nodeIdOf(1), az, hostPort: ports[index] }],
        });
      }
      await tx.replicationGroup.update({ where: { id }, data: { status: "modifying" } });
      await recordEvent(tx, "replication-group", id, `Increasing replica count of replication group ${id} to ${wanted}`);
      return loadGroup(tx, id);
    });
    return this.changed(group);
  }

  async decreaseReplicaCount(input: Record<string, unknown>) {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    if (optionalBool(input.ApplyImmediately, "ApplyImmediately") === undefined) throw errors.missingParameter("ApplyImmediately");
    const toRemove = stringList(input.ReplicasToRemove, "ReplicasToRemove")?.map((value) => value.toLowerCase());
    const hasCount = input.NewReplicaCount !== undefined || input.ReplicaConfiguration !== undefined;
    if (!hasCount && !toRemove?.length) throw errors.missingParameter("NewReplicaCount or ReplicasToRemove");
    if (hasCount && toRemove?.length) {
      throw errors.invalidParameterCombination("Give either NewReplicaCount or ReplicasToRemove, not both.");
    }
    const group = await this.ctx.db.$transaction(async (tx) => {
      const current = await loadGroup(tx, id);
      requireAvailable(current);
      const replicas = current.clusters.filter((cluster) => cluster.role === "replica").map((cluster) => cluster.id);
      let removing: string[];
      if (toRemove?.length) {
        const unknown = toRemove.find((clusterId) => !replicas.includes(clusterId));
        if (unknown !== undefined) {
          throw errors.invalidParameterValue(`${unknown} is not a replica of replication group ${id}; the primary cannot be removed.`);
        }
        removing = [...new Set(toRemove)];
      } else {
        const wanted = this.newReplicaCount(input);
        if (wanted >= replicas.length) {
          throw errors.invalidParameterValue(`NewReplicaCount ${wanted} must be less than the current ${replicas.length} replicas.`);
        }
        removing = replicas.slice(wanted).reverse();
      }
      if (current.automaticFailover && replicas.length - removing.length < 1) {
        throw errors.invalidParameterValue("A group with automatic failover needs at least one replica.");
      }
      await tx.cacheCluster.updateMany({ where: { id: { in: removing } }, data: { status: "deleting" } });
      await tx.cacheNode.updateMany({ where: { clusterId: { in: removing } }, data: { desired: "absent", status: "deleting" } });
      await tx.replicationGroup.update({ where: { id }, data: { status: "modifying" } });
      await recordEvent(tx, "replication-group", id, `Decreasing replica count of replication group ${id} to ${replicas.length - removing.length}`);
      return loadGroup(tx, id);
    });
    return this.changed(group);
  }

  /**
   * TestFailover: records a failover of the node group's primary; the reconciler really stops
   * the primary, promotes the best replica and recovers the old primary as a replica.
   */
  async testFailover(input: Record<string, unknown>) {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const requested = optionalString(input.NodeGroupId, "NodeGroupId", 4);
    if (requested === undefined) throw errors.missingParameter("NodeGroupId");
    const nodeGroupId = normalizeNodeGroupId(requested);
    if (nodeGroupId === undefined) throw errors.invalidParameterValue(`Invalid NodeGroupId "${requested}": 1 to 4 digits.`);
    const group = await this.ctx.db.$transaction(async (tx) => {
      const current = await loadGroup(tx, id);
      if (!current.nodeGroups.some((nodeGroup) => nodeGroup.nodeGroupId === nodeGroupId)) {
        throw new AwsError("NodeGroupNotFoundFault", `Node group ${nodeGroupId} not found in replication group ${id}.`);
      }
      requireAvailable(current);
      const primary = primaryOf(current);
      const healthyReplicas = current.clusters.filter(
        (cluster) => cluster.role === "replica" && cluster.nodes.some((node) => node.status === "available" && node.healthy),
      );
      if (!current.automaticFailover || !primary || healthyReplicas.length === 0) {
        throw new AwsError(
          "TestFailoverNotAvailableFault",
          `Test failover is not available for replication group ${id}: it needs automatic failover enabled and at least one available replica.`,
        );
      }
      const since = new Date(Date.now() - 24 * 3600_000);
      const recent = await tx.event.count({
        where: { sourceType: "replication-group", sourceIdentifier: id, message: { startsWith: "Test Failover API called" }, date: { gte: since } },
      });
      if (recent >= TEST_FAILOVERS_PER_DAY) {
        throw new AwsError("APICallRateForCustomerExceeded", `At most ${TEST_FAILOVERS_PER_DAY} test failovers per node group in a rolling 24 hours.`);
      }
      await tx.replicationGroup.update({
        where: { id },
        data: { status: "modifying", failover: JSON.stringify({ from: primary.id, test: true, phase: "decide" }) },
      });
      await recordEvent(tx, "replication-group", id, `Test Failover API called for node group ${nodeGroupId}`);
      return loadGroup(tx, id);
    });
    return this.changed(group);
  }

  /** NewReplicaCount, or the one ReplicaConfiguration entry of node group 0001. */
  private newReplicaCount(input: Record<string, unknown>): number {
    const direct = optionalInt(input.NewReplicaCount, "NewReplicaCount", 0, MAX_REPLICAS + 100);
    if (direct !== undefined) return direct;
    const shards = input.ReplicaConfiguration as { NodeGroupId?: string; NewReplicaCount?: unknown }[] | undefined;
    if (!Array.isArray(shards) || shards.length === 0) throw errors.missingParameter("NewReplicaCount");
    const only = firstNodeGroupId();
    if (shards.length > 1 || (shards[0].NodeGroupId !== undefined && shards[0].NodeGroupId !== only)) {
      throw new AwsError("NodeGroupNotFoundFault", `Only node group ${only} exists in a cluster-mode-disabled group.`);
    }
    return optionalInt(shards[0].NewReplicaCount, "ReplicaConfiguration.ConfigureShard.1.NewReplicaCount", 0, MAX_REPLICAS + 100)!;
  }
}
