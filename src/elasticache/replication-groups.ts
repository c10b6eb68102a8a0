/**
 * Replication groups (cluster mode disabled): one node group, members <id>-001… each with one
 * node. Handlers validate what they read, write the desired state with status creating /
 * modifying / deleting through the store (conditional on the version they read; `retrying` reads
 * again when another writer came first), wake the controllers and return; only the reconciler
 * makes a group available.
 */
import { arnOf } from "../domain/arn.ts";
import { parseSecurityGroupIds } from "./security-group-ids.ts";
import { offer } from "../domain/catalog.ts";
import { event } from "../domain/events.ts";
import type { CacheCluster, ClusterSettings, NodeGroup, ReplicationGroup } from "../domain/model.ts";
import { firstNodeGroupId, memberIdOf, memberNumberOf, normalizeNodeGroupId } from "../domain/names.ts";
import { isAvailable, membersOf, nodeOf, primaryOf, replicasOf, settingsOf } from "../domain/topology.ts";
import { nodeTypeMemory } from "./catalog.ts";
import { clusterNodeGroups, nodesOfShards, portsPerClusterNode, portTaker, shardMembers } from "./cluster-layout.ts";
import { slotsGiven, type ShardPlan } from "./cluster-mode-input.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "../aws/errors.ts";
import { newMember, nextMemberIds } from "./members.ts";
import { page, pageRequest } from "./paging.ts";
import { transitStateOf, userGroupOf, type NodeSecurity } from "../domain/security.ts";
import { pickTlsPorts, sameSecurity } from "./security-placement.ts";
import { parseAuthTokenChange } from "./security-input.ts";
import { parseTransitChange } from "./transit-input.ts";
import { newAdminPassword, parseUserGroupIds, rbacIds } from "./access-control-input.ts";
import { UserService } from "./users.ts";
import { NODE_QUOTA, pickPorts, requireNodeQuota, requirePortAvailable, zonesOf } from "./placement.ts";
import { MAX_REPLICAS, parseCreateReplicationGroup, type ReplicationGroupPlan } from "./replication-group-input.ts";
import { parseBackupChange, requireSnapshottingCluster } from "./backup-settings.ts";
import { ParameterGroupService } from "./parameter-groups.ts";
import { resolveClusterRestore, resolveRestore, type Restore } from "./restore.ts";
import { snapshotName, snapshotOfGroup } from "./snapshots.ts";
import { toReplicationGroup } from "./shapes.ts";
import { sharedAnswer } from "./shared-answers.ts";
import { parseReplicaCounts, resolveReplicaCounts } from "./replica-counts.ts";
import { startResharding } from "./resharding.ts";
import { groupNotFound, loadGroup, requireAvailable } from "./group-lookup.ts";
import { retrying } from "./store-errors.ts";
import { tagsFor } from "./tags.ts";
import { optionalBool, optionalInt, optionalString, resourceId, stringList } from "./validate.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";

/** AWS allows 15 tested shards per rolling 24 hours. */
export const TEST_FAILOVERS_PER_DAY = 15;
const TEST_FAILOVER_EVENT = "Test Failover API called for node group";

export { groupNotFound, loadGroup, requireAvailable } from "./group-lookup.ts";

/** The node group of a cluster-mode-disabled group. */
export function onlyNodeGroup(group: ReplicationGroup) {
  return group.nodeGroups[0];
}

const groupEvent = (id: string, message: string) => event("replication-group", id, message);

/** The event of a change of AUTH tokens or user group. */
function securityChangeMessage(id: string, before: NodeSecurity | undefined, after: NodeSecurity): string {
  const [from, to] = [userGroupOf(before), userGroupOf(after)];
  if (from !== to) return to === undefined ? `Removing user group ${from} from replication group ${id}` : `Adding user group ${to} to replication group ${id}`;
  const strategy = after.authTokens.length > 1 ? "ROTATE" : after.authTokens.length === 1 ? "SET" : "DELETE";
  return `Updating AUTH token of replication group ${id} (${strategy})`;
}

/** The event of a change of transit encryption. */
function transitChangeMessage(id: string, after: NodeSecurity): string {
  const state = transitStateOf(after);
  return state === "off"
    ? `Disabling in-transit encryption of replication group ${id}`
    : `Changing in-transit encryption of replication group ${id} from ${after.previousTransit} to ${state}`;
}

/** The settings every member of a new group inherits. */
function settingsOfPlan(plan: ReplicationGroupPlan): ClusterSettings {
  return {
    engine: plan.engine.engine,
    engineVersion: plan.engine.version,
    cacheNodeType: plan.cacheNodeType,
    port: plan.port ?? 6379,
    subnetGroupName: plan.subnetGroupName,
    parameterGroupName: plan.parameterGroupName,
    snapshotRetentionLimit: plan.snapshotRetentionLimit,
    snapshotWindow: plan.snapshotWindow,
    securityGroupIds: plan.securityGroupIds,
    security: plan.security,
  };
}

export class ReplicationGroupService {
  constructor(private readonly ctx: ServiceContext) {}

  /** A change is written: wake the controllers and answer with the group as it now is. */
  private changed(group: ReplicationGroup) {
    this.ctx.controllers.kick();
    return { ReplicationGroup: toReplicationGroup(this.ctx, group) };
  }

  async create(input: InputOf<"CreateReplicationGroup">): Promise<OutputOf<"CreateReplicationGroup">> {
    const parameterGroups = new ParameterGroupService(this.ctx);
    // A named parameter group with cluster-enabled yes turns cluster mode on (as default.redis7.cluster.on does).
    const requestedGroup = typeof input.CacheParameterGroupName === "string" && input.CacheParameterGroupName !== "" ? input.CacheParameterGroupName : undefined;
    const groupEnablesClusterMode = requestedGroup === undefined ? undefined : await parameterGroups.enablesClusterMode(requestedGroup);
    const plan = parseCreateReplicationGroup(input, this.ctx.catalog, this.ctx.account.region, { groupEnablesClusterMode });
    plan.securityGroupIds = parseSecurityGroupIds(input.SecurityGroupIds, this.ctx.subnetIds);
    if (plan.restore && plan.primaryClusterId) throw errors.invalidParameterCombination("PrimaryClusterId cannot be combined with SnapshotName or SnapshotArns.");
    plan.parameterGroupName = await parameterGroups.resolveFor(plan.engine, requestedGroup, plan.shards !== undefined);
    const restore = plan.shards
      ? await resolveClusterRestore(this.ctx, plan.restore, plan.shards, slotsGiven(input.NodeGroupConfiguration))
      : await resolveRestore(this.ctx, plan.restore);
    // As on AWS, a restore keeps the snapshot's node type unless another is asked for.
    if (restore?.snapshot && input.CacheNodeType === undefined) plan.cacheNodeType = restore.snapshot.cacheNodeType;
    const zones = await zonesOf(this.ctx.store, plan.subnetGroupName);
    // RBAC: the nodes start with the user group's users and the control plane's own user.
    if (plan.userGroupId !== undefined) plan.security = await this.withUserGroup(plan.security!, plan.userGroupId, plan.engine.engine);
    // Read again on every attempt: the adopted cluster and free ports may change under us.
    if (plan.shards) return this.changed(await retrying(() => this.insertSharded(plan, plan.shards!, zones, restore)));
    const group = await retrying(async () => {
      const existingPrimary = plan.primaryClusterId ? await this.adoptablePrimary(plan.primaryClusterId, plan.security) : undefined;
      const newMembers = plan.numCacheClusters - (existingPrimary ? 1 : 0);
      await requireNodeQuota(this.ctx.store, newMembers);
      if (plan.port !== undefined) await requirePortAvailable(this.ctx.store, plan.port);
      return this.insert(plan, zones, newMembers, existingPrimary?.id, restore?.dataFiles[0]);
    });
    return this.changed(group);
  }

  /** A TLS listener port for each present node (by runtime name) when the new mode is "preferred"; none otherwise. */
  private async tlsPortsFor(group: ReplicationGroup, security: NodeSecurity): Promise<Map<string, number>> {
    const nodes = membersOf(group).flatMap((member) => member.nodes.filter((node) => node.desired === "present"));
    const ports = (await pickTlsPorts(this.ctx.store, security, nodes.length, [])) ?? [];
    return new Map(ports.map((port, index) => [nodes[index].runtimeName, port]));
  }

  /**
   * ModifyReplicationGroup's AuthToken / AuthTokenUpdateStrategy and UserGroupIdsToAdd /
   * UserGroupIdsToRemove / RemoveUserGroups against the group's security: the new security, or
   * undefined when none was asked for. As AWS migrates: AUTH -> RBAC adds a user group with
   * AuthTokenUpdateStrategy DELETE; RBAC -> AUTH removes it with an AuthToken (ROTATE); the
   * nodes keep what they had (previousAuthTokens) until the reconciler has changed every one.
   */
  private async securityChange(input: InputOf<"ModifyReplicationGroup">, current: ReplicationGroup): Promise<NodeSecurity | undefined> {
    const add = rbacIds(input.UserGroupIdsToAdd, "UserGroupIdsToAdd") ?? [];
    const remove = rbacIds(input.UserGroupIdsToRemove, "UserGroupIdsToRemove") ?? [];
    const removeAll = optionalBool(input.RemoveUserGroups, "RemoveUserGroups") ?? false;
    const using = userGroupOf(current.security);
    const removing = using !== undefined && (removeAll || remove.includes(using));
    const stray = remove.find((id) => id !== using);
    if (stray !== undefined) throw errors.invalidParameterValue(`User group ${stray} is not associated with replication group ${current.id}.`);
    if (removeAll && using === undefined) throw errors.invalidParameterValue(`Replication group ${current.id} has no user group to remove.`);
    if (using !== undefined && add.length > 0 && !removing) {
      throw errors.invalidParameterValue(`Replication group ${current.id} already uses user group ${using}; a replication group uses one.`);
    }
    const tokens = parseAuthTokenChange(input, current.security, new Date());
    if (tokens && using !== undefined && !removing) {
      throw errors.invalidParameterCombination(`Replication group ${current.id} uses user group ${using}: AuthToken can be set only while removing it.`);
    }
    if (add.length === 0 && !removing) return tokens;
    const base: NodeSecurity = tokens ?? { ...current.security!, previousAuthTokens: current.security?.authTokens ?? [] };
    const adding = parseUserGroupIds(add, "UserGroupIdsToAdd", base);
    if (adding !== undefined) return this.withUserGroup(base, adding, current.engine);
    // Removed: the nodes lose every RBAC user; the default user takes the AUTH token, or none.
    return { ...base, accessControl: { ...base.accessControl!, userGroupId: undefined, users: [] } };
  }

  /** The security with the user group's users on the nodes (its id, a new control-plane password, the compiled users). */
  private async withUserGroup(security: NodeSecurity, userGroupId: string, engine: string): Promise<NodeSecurity> {
    await new UserService(this.ctx).requireUsableGroup(userGroupId, engine);
    const users = await this.ctx.store.accessControl.usersOf(userGroupId);
    const adminPassword = security.accessControl?.adminPassword ?? newAdminPassword();
    return { ...security, accessControl: { userGroupId, adminPassword, users } };
  }

  private async adoptablePrimary(clusterId: string, security: NodeSecurity | undefined): Promise<CacheCluster> {
    const cluster = await this.ctx.store.cacheClusters.get(clusterId);
    if (!cluster) throw new AwsError("CacheClusterNotFound", `CacheCluster ${clusterId} not found.`);
    if (cluster.replicationGroupId) {
      throw new AwsError("InvalidCacheClusterState", `Cache cluster ${cluster.id} already belongs to replication group ${cluster.replicationGroupId}.`);
    }
    if (cluster.engine === "memcached") throw errors.invalidParameterValue(`Cache cluster ${cluster.id} runs Memcached, which does not replicate.`);
    if (cluster.status !== "available") throw new AwsError("InvalidCacheClusterState", `Cache cluster ${cluster.id} is ${cluster.status}, not available.`);
    if (!sameSecurity(cluster.security, security)) {
      throw errors.invalidParameterCombination(
        `Cache cluster ${cluster.id} must have the group's TransitEncryptionEnabled, TransitEncryptionMode and AuthToken to become its primary.`,
      );
    }
    return cluster;
  }

  private async insert(plan: ReplicationGroupPlan, zones: string[], newMembers: number, existingPrimaryId?: string, dataFile?: string): Promise<ReplicationGroup> {
    // Nodes get ports from the range; the primary endpoint gets the requested Port when given.
    const picked = await pickPorts(this.ctx.store, newMembers + (plan.port === undefined ? 2 : 1));
    const primaryEndpointPort = plan.port ?? picked.pop()!;
    const readerEndpointPort = picked.pop()!;
    const tlsPorts = await pickTlsPorts(this.ctx.store, plan.security, newMembers, [...picked, primaryEndpointPort, readerEndpointPort]);
    const nodeGroupId = firstNodeGroupId();
    const memberIds = existingPrimaryId
      ? await nextMemberIds(this.ctx.store, plan.id, newMembers)
      : Array.from({ length: newMembers }, (_, index) => memberIdOf(plan.id, index + 1));
    const settings = settingsOfPlan(plan);
    const primaryId = existingPrimaryId ?? memberIds[0];
    const offset = existingPrimaryId ? 1 : 0;
    const members = memberIds.map((id, index) => ({
      ...newMember(settings, {
        id,
        replicationGroupId: plan.id,
        nodeGroupId,
        role: id === primaryId ? "primary" : "replica",
        az: plan.preferredAzs?.[index + offset] ?? zones[(index + offset) % zones.length],
        hostPort: picked[index],
        tlsPort: tlsPorts?.[index],
      }),
      dataFile: id === primaryId ? dataFile : undefined,
    }));
    return this.ctx.store.replicationGroups.create({
      ...this.newGroupOf(plan),
      nodeGroups: [{ id: nodeGroupId, primaryEndpointPort, readerEndpointPort, members }],
      adopt: existingPrimaryId ? { clusterId: existingPrimaryId, nodeGroupId } : undefined,
    });
  }

  /** Cluster mode enabled: shards with slots, two ports per node (client, cluster bus; a third for a TLS listener), one configuration endpoint. */
  private async insertSharded(plan: ReplicationGroupPlan, shards: ShardPlan[], zones: string[], restore?: Restore): Promise<ReplicationGroup> {
    const nodes = nodesOfShards(shards);
    await requireNodeQuota(this.ctx.store, nodes);
    if (plan.port !== undefined) await requirePortAvailable(this.ctx.store, plan.port);
    const picked = await pickPorts(this.ctx.store, nodes * portsPerClusterNode(plan.security) + (plan.port === undefined ? 1 : 0));
    const configEndpointPort = plan.port ?? picked.pop()!;
    const nodeGroups = clusterNodeGroups(settingsOfPlan(plan), plan.id, shards, picked, zones);
    // A snapshot of the same layout: each shard's primary starts from its shard's file.
    if (restore && !restore.placeByKey) nodeGroups.forEach((nodeGroup, index) => (nodeGroup.members[0].dataFile = restore.dataFiles[index]));
    return this.ctx.store.replicationGroups.create({
      ...this.newGroupOf(plan),
      configEndpointPort,
      restoreFiles: restore?.placeByKey ? restore.dataFiles : undefined,
      nodeGroups,
    });
  }

  /** The group row's part of a new group, for both cluster modes. */
  private newGroupOf(plan: ReplicationGroupPlan) {
    return {
      ...settingsOfPlan(plan),
      id: plan.id,
      description: plan.description,
      automaticFailover: plan.automaticFailover,
      multiAz: plan.multiAz,
      atRestEncryption: plan.atRestEncryption,
      clusterEnabled: plan.shards !== undefined,
      kmsKeyId: plan.kmsKeyId,
      tags: tagsFor(arnOf(this.ctx.account, "replicationgroup", plan.id), plan.tags),
      events: [groupEvent(plan.id, `Replication group ${plan.id} created`)],
      maxNodes: NODE_QUOTA,
    };
  }

  async describe(input: InputOf<"DescribeReplicationGroups">): Promise<OutputOf<"DescribeReplicationGroups">> {
    const request = pageRequest(input);
    const id = input.ReplicationGroupId === undefined ? undefined : resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const groups = await this.ctx.store.replicationGroups.listShared(id);
    if (id !== undefined && groups.length === 0) throw groupNotFound(id);
    return sharedAnswer(groups, JSON.stringify([request.take, request.after]), () => {
      const result = page(groups, (group) => group.id, request);
      return { Marker: result.Marker, ReplicationGroups: result.items.map((group) => toReplicationGroup(this.ctx, group)) };
    });
  }

  async modify(input: InputOf<"ModifyReplicationGroup">): Promise<OutputOf<"ModifyReplicationGroup">> {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const description = optionalString(input.ReplicationGroupDescription, "ReplicationGroupDescription", 255);
    const automaticFailover = optionalBool(input.AutomaticFailoverEnabled, "AutomaticFailoverEnabled");
    const multiAz = optionalBool(input.MultiAZEnabled, "MultiAZEnabled");
    const cacheNodeType = optionalString(input.CacheNodeType, "CacheNodeType", 64);
    if (cacheNodeType !== undefined) nodeTypeMemory(cacheNodeType);
    optionalBool(input.ApplyImmediately, "ApplyImmediately");
    const parameterGroupName = optionalString(input.CacheParameterGroupName, "CacheParameterGroupName", 255) || undefined;
    const securityGroupIds = parseSecurityGroupIds(input.SecurityGroupIds, this.ctx.subnetIds);
    for (const field of ["PrimaryClusterId", "EngineVersion"] as const) {
      const value = input[field];
      // An empty list asks for nothing.
      const nothing = Array.isArray(value) && value.length === 0;
      if (value !== undefined && !nothing) {
        throw errors.invalidParameterValue(`Modifying ${field} is not supported by elasticache-local yet.`);
      }
    }
    const group = await retrying(async () => {
      const current = await loadGroup(this.ctx, id);
      requireAvailable(current);
      if (current.clusterEnabled && automaticFailover === false) {
        throw errors.invalidParameterCombination("Redis with cluster mode enabled requires AutomaticFailoverEnabled.");
      }
      const otherSettings = [description, automaticFailover, multiAz, cacheNodeType, parameterGroupName, securityGroupIds];
      // Transit encryption on or off, or another mode: every node is restarted with it, the primary first with its data.
      const transit = parseTransitChange(input, current);
      if (transit) {
        const tokensOrUsers = [input.AuthToken, input.AuthTokenUpdateStrategy, input.UserGroupIdsToAdd, input.UserGroupIdsToRemove, input.RemoveUserGroups];
        if ([...otherSettings, ...tokensOrUsers].some((value) => value !== undefined)) {
          throw errors.invalidParameterCombination("Change TransitEncryptionEnabled and TransitEncryptionMode in a ModifyReplicationGroup call of their own.");
        }
        const tlsPorts = await this.tlsPortsFor(current, transit);
        return this.ctx.store.replicationGroups.changeTransit(id, current.version, transit, tlsPorts, [groupEvent(id, transitChangeMessage(id, transit))]);
      }
      // New AUTH tokens or user groups: the group is modifying until every node has them (without a restart).
      const security = await this.securityChange(input, current);
      if (security) {
        if (otherSettings.some((value) => value !== undefined)) {
          throw errors.invalidParameterCombination("Change AuthToken in a ModifyReplicationGroup call of its own.");
        }
        return this.ctx.store.replicationGroups.changeSecurity(id, current.version, security, [groupEvent(id, securityChangeMessage(id, current.security, security))]);
      }
      const { snapshotRetentionLimit, snapshotWindow } = parseBackupChange(input, current);
      requireSnapshottingCluster(input, current);
      const members = onlyNodeGroup(current).members.length;
      const failover = automaticFailover ?? current.automaticFailover;
      if (failover && members < 2 && !current.clusterEnabled) {
        throw errors.invalidParameterCombination("Automatic failover needs at least one replica; add replicas first.");
      }
      if ((multiAz ?? current.multiAz) && !failover) {
        throw errors.invalidParameterCombination("MultiAZEnabled requires AutomaticFailoverEnabled.");
      }
      // A new node type changes every node's memory: the reconciler applies it, then the group is available again.
      const resize = cacheNodeType !== undefined && cacheNodeType !== current.cacheNodeType;
      const engine = offer(current.engine, current.engineVersion);
      const parameterGroup = await new ParameterGroupService(this.ctx).switchTo(engine, current.parameterGroupName, parameterGroupName, current.clusterEnabled);
      return this.ctx.store.replicationGroups.modify(
        id,
        current.version,
        { description, automaticFailover, multiAz, snapshotRetentionLimit, snapshotWindow, cacheNodeType: resize ? cacheNodeType : undefined, parameterGroup, securityGroupIds },
        [groupEvent(id, `Replication group ${id} modified`)],
      );
    });
    return this.changed(group);
  }

  async delete(input: InputOf<"DeleteReplicationGroup">): Promise<OutputOf<"DeleteReplicationGroup">> {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const retainPrimary = optionalBool(input.RetainPrimaryCluster, "RetainPrimaryCluster") ?? false;
    const finalName = input.FinalSnapshotIdentifier === undefined ? undefined : snapshotName(input.FinalSnapshotIdentifier, "FinalSnapshotIdentifier");
    const group = await retrying(async () => {
      const current = await loadGroup(this.ctx, id);
      if (current.status !== "available" && current.status !== "create-failed") {
        throw new AwsError("InvalidReplicationGroupState", `Replication group ${id} is ${current.status}; it can be deleted when available.`);
      }
      if (retainPrimary && current.clusterEnabled) {
        throw errors.invalidParameterCombination("RetainPrimaryCluster is not supported for a group with cluster mode enabled.");
      }
      // The primary leaves the group and lives on as a standalone cluster.
      const retained = retainPrimary ? primaryOf(onlyNodeGroup(current))?.id : undefined;
      if (finalName !== undefined && current.status !== "available") {
        throw new AwsError("InvalidReplicationGroupState", `Replication group ${id} is ${current.status}; a final snapshot needs it available.`);
      }
      const finalSnapshot = finalName === undefined ? undefined : snapshotOfGroup(current, finalName, "manual");
      return this.ctx.store.replicationGroups.markDeleting(id, current.version, retained, [groupEvent(id, `Replication group ${id} deleting`)], finalSnapshot);
    });
    return this.changed(group);
  }

  async increaseReplicaCount(input: InputOf<"IncreaseReplicaCount">): Promise<OutputOf<"IncreaseReplicaCount">> {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const request = parseReplicaCounts(input);
    if (optionalBool(input.ApplyImmediately, "ApplyImmediately") === undefined) throw errors.missingParameter("ApplyImmediately");
    const group = await retrying(async () => {
      const current = await loadGroup(this.ctx, id);
      requireAvailable(current);
      const wanted = resolveReplicaCounts(current, request);
      const growing = current.nodeGroups.filter((nodeGroup) => wanted.has(nodeGroup.id));
      for (const nodeGroup of growing) {
        const count = wanted.get(nodeGroup.id)!;
        const replicas = replicasOf(nodeGroup).length;
        if (count <= replicas) {
          throw errors.invalidParameterValue(`NewReplicaCount ${count} of node group ${nodeGroup.id} must be greater than its current ${replicas} replicas.`);
        }
        if (count > MAX_REPLICAS) {
          throw errors.invalidParameterValue(`NewReplicaCount ${count} is above the ${MAX_REPLICAS} replicas a node group can have.`);
        }
      }
      const adding = growing.reduce((sum, nodeGroup) => sum + wanted.get(nodeGroup.id)! - replicasOf(nodeGroup).length, 0);
      await requireNodeQuota(this.ctx.store, adding);
      const zones = await zonesOf(this.ctx.store, current.subnetGroupName);
      const members = current.clusterEnabled
        ? await this.newShardReplicas(current, growing, wanted, zones)
        : await this.newReplicas(current, growing[0], wanted.get(growing[0].id)! - replicasOf(growing[0]).length, zones);
      const counts = growing.map((nodeGroup) => wanted.get(nodeGroup.id)).join(", ");
      return this.ctx.store.replicationGroups.addMembers(
        id,
        current.version,
        members,
        [groupEvent(id, `Increasing replica count of replication group ${id} to ${counts}`)],
        NODE_QUOTA,
      );
    });
    return this.changed(group);
  }

  /** Cluster mode disabled: replicas <group>-00N numbered after the ids in use. */
  private async newReplicas(group: ReplicationGroup, nodeGroup: NodeGroup, adding: number, zones: string[]) {
    const ports = await pickPorts(this.ctx.store, adding);
    const tlsPorts = await pickTlsPorts(this.ctx.store, group.security, adding, ports);
    const ids = await nextMemberIds(this.ctx.store, group.id, adding);
    return ids.map((memberId, index) =>
      newMember(settingsOf(group), {
        id: memberId,
        replicationGroupId: group.id,
        nodeGroupId: nodeGroup.id,
        role: "replica",
        az: zones[(nodeGroup.members.length + index) % zones.length],
        hostPort: ports[index],
        tlsPort: tlsPorts?.[index],
      }),
    );
  }

  /** Cluster mode enabled: replicas <group>-<shard>-00N after the shard's highest member, each with a client and a bus port. */
  private async newShardReplicas(group: ReplicationGroup, growing: NodeGroup[], wanted: Map<string, number>, zones: string[]) {
    const adding = growing.map((nodeGroup) => wanted.get(nodeGroup.id)! - replicasOf(nodeGroup).length);
    const perNode = portsPerClusterNode(group.security);
    const take = portTaker(await pickPorts(this.ctx.store, adding.reduce((a, b) => a + b, 0) * perNode), perNode);
    return growing.flatMap((nodeGroup, index) => {
      const highest = Math.max(0, ...nodeGroup.members.map((member) => memberNumberOf(member.id)));
      const numbers = Array.from({ length: adding[index] }, (_, offset) => ({ number: highest + offset + 1, role: "replica" as const }));
      return shardMembers(settingsOf(group), group.id, { id: nodeGroup.id }, numbers, take, (offset) => zones[(nodeGroup.members.length + offset) % zones.length]);
    });
  }

  async decreaseReplicaCount(input: InputOf<"DecreaseReplicaCount">): Promise<OutputOf<"DecreaseReplicaCount">> {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    if (optionalBool(input.ApplyImmediately, "ApplyImmediately") === undefined) throw errors.missingParameter("ApplyImmediately");
    const toRemove = stringList(input.ReplicasToRemove, "ReplicasToRemove")?.map((value) => value.toLowerCase());
    const hasCount = input.NewReplicaCount !== undefined || input.ReplicaConfiguration !== undefined;
    if (!hasCount && !toRemove?.length) throw errors.missingParameter("NewReplicaCount or ReplicasToRemove");
    if (hasCount && toRemove?.length) {
      throw errors.invalidParameterCombination("Give either NewReplicaCount or ReplicasToRemove, not both.");
    }
    const request = hasCount ? parseReplicaCounts(input) : undefined;
    const group = await retrying(async () => {
      const current = await loadGroup(this.ctx, id);
      requireAvailable(current);
      const replicas = current.nodeGroups.flatMap((nodeGroup) => replicasOf(nodeGroup).map((member) => member.id));
      let removing: string[];
      if (toRemove?.length) {
        const unknown = toRemove.find((clusterId) => !replicas.includes(clusterId));
        if (unknown !== undefined) {
          throw errors.invalidParameterValue(`${unknown} is not a replica of replication group ${id}; the primary cannot be removed.`);
        }
        removing = [...new Set(toRemove)];
      } else {
        const wanted = resolveReplicaCounts(current, request!);
        removing = current.nodeGroups.flatMap((nodeGroup) => {
          if (!wanted.has(nodeGroup.id)) return [];
          const count = wanted.get(nodeGroup.id)!;
          const shardReplicas = replicasOf(nodeGroup).map((member) => member.id);
          if (count >= shardReplicas.length) {
            throw errors.invalidParameterValue(`NewReplicaCount ${count} of node group ${nodeGroup.id} must be less than its current ${shardReplicas.length} replicas.`);
          }
          return shardReplicas.slice(count).reverse();
        });
      }
      // Cluster mode disabled with automatic failover, and Multi-AZ in either mode, need a replica in every node group.
      const needsReplica = current.multiAz || (current.automaticFailover && !current.clusterEnabled);
      for (const nodeGroup of current.nodeGroups) {
        const left = replicasOf(nodeGroup).filter((member) => !removing.includes(member.id)).length;
        if (needsReplica && left < 1) {
          throw errors.invalidParameterValue(`Node group ${nodeGroup.id} needs at least one replica (automatic failover or Multi-AZ).`);
        }
      }
      const counts = current.nodeGroups.map((nodeGroup) => replicasOf(nodeGroup).filter((member) => !removing.includes(member.id)).length).join(", ");
      return this.ctx.store.replicationGroups.removeMembers(id, current.version, removing, [
        groupEvent(id, `Decreasing replica count of replication group ${id} to ${counts}`),
      ]);
    });
    return this.changed(group);
  }

  /** Online resharding (resharding.ts). */
  async modifyShardConfiguration(input: InputOf<"ModifyReplicationGroupShardConfiguration">): Promise<OutputOf<"ModifyReplicationGroupShardConfiguration">> {
    return this.changed(await startResharding(this.ctx, input));
  }

  /**
   * TestFailover: records a failover of the node group's primary; the controllers really stop the
   * primary, promote the best replica and recover the old primary as a replica.
   */
  async testFailover(input: InputOf<"TestFailover">): Promise<OutputOf<"TestFailover">> {
    const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const requested = optionalString(input.NodeGroupId, "NodeGroupId", 4);
    if (requested === undefined) throw errors.missingParameter("NodeGroupId");
    const nodeGroupId = normalizeNodeGroupId(requested);
    if (nodeGroupId === undefined) throw errors.invalidParameterValue(`Invalid NodeGroupId "${requested}": 1 to 4 digits.`);
    const group = await retrying(async () => {
      const current = await loadGroup(this.ctx, id);
      const nodeGroup = current.nodeGroups.find((candidate) => candidate.id === nodeGroupId);
      if (!nodeGroup) throw new AwsError("NodeGroupNotFoundFault", `Node group ${nodeGroupId} not found in replication group ${id}.`);
      requireAvailable(current);
      const primary = primaryOf(nodeGroup);
      const availableReplicas = replicasOf(nodeGroup).filter((member) => isAvailable(nodeOf(member)));
      if (!current.automaticFailover || !primary || availableReplicas.length === 0) {
        throw new AwsError(
          "TestFailoverNotAvailableFault",
          `Test failover is not available for replication group ${id}: it needs automatic failover enabled and at least one available replica.`,
        );
      }
      return this.ctx.store.replicationGroups.requestTestFailover(
        id,
        current.version,
        {
          nodeGroupId,
          from: primary.id,
          rate: { prefix: TEST_FAILOVER_EVENT, since: new Date(Date.now() - 24 * 3600_000), limit: TEST_FAILOVERS_PER_DAY },
        },
        [groupEvent(id, `${TEST_FAILOVER_EVENT} ${nodeGroupId}`)],
      );
    });
    return this.changed(group);
  }
}
