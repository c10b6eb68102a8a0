/**
 * Replication groups, their node groups and members. Each write is one transaction with its events.
 * Writes the operations make after validating what they read are conditional on the version they
 * read (`where: { id, version }`, checked by its count): when another writer came first, nothing
 * is written and StaleWriteError says to read again. That keeps state checks, replica counts and
 * TestFailover's once-at-a-time rule correct with any number of concurrent writers, without relying
 * on SQLite's single writer. Every transaction starts with its write, so on SQLite it takes the
 * write lock before it reads anything (a transaction that read first could not write after another
 * committed).
 */
import type { NewEvent } from "../domain/events.ts";
import type { ReplicationGroup, ReplicationGroupSettings, Tag } from "../domain/model.ts";
import { bump, type Db, type Tx } from "./database.ts";
import { QuotaError, StaleWriteError, translateUnique, unlessStale } from "./errors.ts";
import { failoverColumns, noFailover } from "./failover-columns.ts";
import { countEvents, writeEvents } from "./events.ts";
import { applyGroupTo, type ApplyAs } from "./parameter-groups.ts";
import { insertSnapshot, type NewSnapshot } from "./snapshot-rows.ts";
import { securityColumns } from "./security-columns.ts";
import { securityGroupIdsColumn } from "./security-group-columns.ts";
import type { NodeSecurity } from "../domain/security.ts";
import { insertCluster, markNodesAbsent, nodeCount, type NewCluster } from "./members.ts";
import { claimPorts, owners, releasePorts, releasePortsStartingWith } from "./ports.ts";
import { queryIn, readGroups, type Query } from "./joined-reads.ts";
import { uncached, type ReadCache } from "./read-cache.ts";
import { deleteTags, writeTags } from "./tags.ts";

export interface NewNodeGroup {
  id: string;
  /** Cluster mode disabled: the node group's endpoints. */
  primaryEndpointPort?: number;
  readerEndpointPort?: number;
  /** Cluster mode enabled: the shard's hash slots ("0-5460"). */
  slots?: string;
  members: NewCluster[];
}

export interface NewReplicationGroup extends ReplicationGroupSettings {
  /** Cluster mode enabled: the group's configuration endpoint. */
  configEndpointPort?: number;
  /** A restore that places keys by slot: the RDB files whose keys the controllers load into the owning shards. */
  restoreFiles?: string[];
  nodeGroups: NewNodeGroup[];
  /** An existing standalone cluster that becomes the primary of a node group (PrimaryClusterId). */
  adopt?: { clusterId: string; nodeGroupId: string };
  tags: { arn: string; tags: Tag[] };
  events: NewEvent[];
  maxNodes: number;
}

export interface GroupSettingsChange {
  description?: string;
  automaticFailover?: boolean;
  multiAz?: boolean;
  snapshotRetentionLimit?: number;
  snapshotWindow?: string;
  /** A new node type: every member changes with it and the reconciler applies it. */
  cacheNodeType?: string;
  /** Another parameter group: every member takes its values, live or at the next reboot. */
  parameterGroup?: { name: string; applyAs: ApplyAs };
  /** New VPC security group ids: the group's and every member's. */
  securityGroupIds?: string[];
}

/** Writes the group row only if it still has the version the caller read. */
export async function updateGroupAt(tx: Tx, id: string, version: number, data: Record<string, unknown>): Promise<void> {
  const { count } = await tx.replicationGroup.updateMany({ where: { id, version }, data: { ...data, ...bump } });
  if (count === 0) throw new StaleWriteError("replication-group", id);
}

export async function loadGroup(tx: Tx, id: string): Promise<ReplicationGroup | undefined> {
  return (await readGroups(queryIn(tx), id))[0];
}

/** A node group row and its endpoint ports (cluster mode disabled), without its members. */
export async function insertNodeGroup(tx: Tx, replicationGroupId: string, nodeGroup: NewNodeGroup): Promise<void> {
  const { id, primaryEndpointPort, readerEndpointPort, slots } = nodeGroup;
  await tx.nodeGroup.create({ data: { replicationGroupId, nodeGroupId: id, status: "creating", primaryEndpointPort, readerEndpointPort, slots } });
  const claims = [
    ...(primaryEndpointPort === undefined ? [] : [{ port: primaryEndpointPort, owner: owners.nodeGroupEndpoint(replicationGroupId, id, "primary") }]),
    ...(readerEndpointPort === undefined ? [] : [{ port: readerEndpointPort, owner: owners.nodeGroupEndpoint(replicationGroupId, id, "reader") }]),
  ];
  await claimPorts(tx, claims);
}

async function requireNodeQuota(tx: Tx, maxNodes: number): Promise<void> {
  const nodes = await nodeCount(tx);
  if (nodes > maxNodes) throw new QuotaError("nodes-per-account", maxNodes, nodes);
}

export class ReplicationGroupRepository {
  constructor(
    private readonly db: Db,
    /** Reads outside transactions (the fast path of read-connection.ts on SQLite). */
    private readonly query: Query = queryIn(db),
    /** Results kept until the database changes (read-cache.ts); none with Prisma alone. */
    private readonly cache: ReadCache = uncached,
  ) {}

  async get(id: string): Promise<ReplicationGroup | undefined> {
    return (await readGroups(this.query, id))[0];
  }

  list(id?: string): Promise<ReplicationGroup[]> {
    return readGroups(this.query, id);
  }

  /**
   * What list() returns, but shared between callers until the database changes (read-cache.ts):
   * for the Describe operations, which only read. The objects are frozen.
   */
  listShared(id?: string): Promise<readonly ReplicationGroup[]> {
    return this.cache.read(JSON.stringify(["groups", id ?? null]), () => readGroups(this.query, id));
  }

  /** The group with its node groups, members, nodes, ports, tags and events, or nothing. */
  create(group: NewReplicationGroup): Promise<ReplicationGroup> {
    const { nodeGroups, adopt, tags, events, maxNodes, security, securityGroupIds, restoreFiles, ...row } = group;
    return this.db.$transaction(
      async (tx) => {
        // The group row first: a duplicate is reported as the group's, even when its members exist too.
        try {
          await tx.replicationGroup.create({ data: { ...row, ...securityColumns(security), securityGroupIds: securityGroupIdsColumn(securityGroupIds), restoreFiles: restoreFiles && JSON.stringify(restoreFiles), status: "creating" } });
        } catch (error) {
          throw translateUnique(error, "replication-group", group.id);
        }
        if (row.configEndpointPort !== undefined) {
          await claimPorts(tx, [{ port: row.configEndpointPort, owner: owners.groupConfigurationEndpoint(group.id) }]);
        }
        for (const nodeGroup of nodeGroups) await insertNodeGroup(tx, group.id, nodeGroup);
        if (adopt) {
          // Only a standalone cluster that is still available can join; checked by the write itself.
          const { count } = await tx.cacheCluster.updateMany({
            where: { id: adopt.clusterId, replicationGroupId: null, status: "available" },
            data: { replicationGroupId: group.id, nodeGroupId: adopt.nodeGroupId, role: "primary", status: "modifying", ...bump },
          });
          if (count === 0) throw new StaleWriteError("cache-cluster", adopt.clusterId);
        }
        for (const member of nodeGroups.flatMap((nodeGroup) => nodeGroup.members)) await insertCluster(tx, member);
        await requireNodeQuota(tx, maxNodes);
        await writeTags(tx, tags.arn, tags.tags);
        await writeEvents(tx, events);
        return (await loadGroup(tx, group.id))!;
      },
      { isolationLevel: "Serializable" },
    );
  }

  /**
   * New security settings (AUTH tokens) of an available group and all its members: they become
   * modifying until the reconciler has applied them to every node, and keep the tokens the nodes
   * had as previousAuthTokens meanwhile (cleared by markAvailable).
   */
  changeSecurity(id: string, version: number, security: NodeSecurity, events: NewEvent[]): Promise<ReplicationGroup> {
    return this.db.$transaction(async (tx) => {
      const columns = securityColumns(security);
      await updateGroupAt(tx, id, version, { ...columns, status: "modifying" });
      await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { ...columns, status: "modifying", ...bump } });
      await writeEvents(tx, events);
      return (await loadGroup(tx, id))!;
    });
  }

  /**
   * An in-place change of transit encryption: the group and its members take the new settings
   * (with previousTransit, what the nodes serve until changed) and become modifying, and every
   * node is to be restarted with them (status rebooting). `tlsPorts` gives each node (by runtime
   * name) its TLS listener port when the new mode is "preferred"; without one a node's TLS port,
   * if any, is released.
   */
  changeTransit(id: string, version: number, security: NodeSecurity, tlsPorts: Map<string, number>, events: NewEvent[]): Promise<ReplicationGroup> {
    return this.db.$transaction(async (tx) => {
      const columns = securityColumns(security);
      await updateGroupAt(tx, id, version, { ...columns, status: "modifying" });
      await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { ...columns, status: "modifying", ...bump } });
      const nodes = await tx.cacheNode.findMany({ where: { cluster: { replicationGroupId: id }, desired: "present" } });
      for (const node of nodes) {
        const tlsPort = tlsPorts.get(node.runtimeName) ?? null;
        if (node.tlsPort !== null && node.tlsPort !== tlsPort) await tx.portAllocation.deleteMany({ where: { port: node.tlsPort, owner: owners.node(node.runtimeName) } });
        if (tlsPort !== null && node.tlsPort !== tlsPort) await claimPorts(tx, [{ port: tlsPort, owner: owners.node(node.runtimeName) }]);
        await tx.cacheNode.update({ where: { clusterId_nodeId: { clusterId: node.clusterId, nodeId: node.nodeId } }, data: { status: "rebooting", tlsPort } });
      }
      await writeEvents(tx, events);
      return (await loadGroup(tx, id))!;
    });
  }

  /** Settings of an available group; a new node type makes the group and its members modifying. */
  modify(id: string, version: number, change: GroupSettingsChange, events: NewEvent[]): Promise<ReplicationGroup> {
    return this.db.$transaction(async (tx) => {
      const { parameterGroup, securityGroupIds, ...settings } = change;
      const resize = change.cacheNodeType !== undefined;
      const securityGroups = securityGroupIds === undefined ? undefined : securityGroupIdsColumn(securityGroupIds);
      await updateGroupAt(tx, id, version, { ...settings, securityGroupIds: securityGroups, parameterGroupName: parameterGroup?.name, status: resize ? "modifying" : undefined });
      if (securityGroups !== undefined) await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { securityGroupIds: securityGroups, ...bump } });
      if (parameterGroup) await applyGroupTo(tx, { replicationGroupId: id }, parameterGroup.name, parameterGroup.applyAs);
      if (resize) {
        await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { cacheNodeType: change.cacheNodeType, status: "modifying", ...bump } });
      }
      await writeEvents(tx, events);
      return (await loadGroup(tx, id))!;
    });
  }

  /**
   * The group and its members go to deleting (the reconciler removes them); a retained primary
   * leaves the group first and lives on as a standalone cluster.
   */
  markDeleting(id: string, version: number, retainPrimary: string | undefined, events: NewEvent[], finalSnapshot?: NewSnapshot): Promise<ReplicationGroup> {
    return this.db.$transaction(async (tx) => {
      await updateGroupAt(tx, id, version, { status: "deleting" });
      // FinalSnapshotIdentifier: taken by the snapshot controller before the nodes go.
      if (finalSnapshot) await insertSnapshot(tx, finalSnapshot);
      if (retainPrimary !== undefined) {
        await tx.cacheCluster.update({ where: { id: retainPrimary }, data: { replicationGroupId: null, nodeGroupId: null, role: null, ...bump } });
      }
      await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { status: "deleting", ...bump } });
      await writeEvents(tx, events);
      return (await loadGroup(tx, id))!;
    });
  }

  /** New replicas (members with their nodes and ports); the group becomes modifying. */
  addMembers(id: string, version: number, members: NewCluster[], events: NewEvent[], maxNodes: number): Promise<ReplicationGroup> {
    return this.db.$transaction(
      async (tx) => {
        await updateGroupAt(tx, id, version, { status: "modifying" });
        for (const member of members) await insertCluster(tx, member);
        await requireNodeQuota(tx, maxNodes);
        await writeEvents(tx, events);
        return (await loadGroup(tx, id))!;
      },
      { isolationLevel: "Serializable" },
    );
  }

  /** Members to remove go to deleting with their nodes; the group becomes modifying. */
  removeMembers(id: string, version: number, memberIds: string[], events: NewEvent[]): Promise<ReplicationGroup> {
    return this.db.$transaction(async (tx) => {
      await updateGroupAt(tx, id, version, { status: "modifying" });
      await tx.cacheCluster.updateMany({ where: { id: { in: memberIds }, replicationGroupId: id }, data: { status: "deleting", ...bump } });
      await markNodesAbsent(tx, { clusterId: { in: memberIds } });
      await writeEvents(tx, events);
      return (await loadGroup(tx, id))!;
    });
  }

  /**
   * TestFailover: records that the node group's primary is to fail (phase decide); the group
   * becomes modifying. At most `limit` such requests per group since `since` (their events count).
   */
  requestTestFailover(
    id: string,
    version: number,
    request: { nodeGroupId: string; from: string; rate: { prefix: string; since: Date; limit: number } },
    events: NewEvent[],
  ): Promise<ReplicationGroup> {
    return this.db.$transaction(async (tx) => {
      await updateGroupAt(tx, id, version, { status: "modifying" });
      const recent = await countEvents(tx, { sourceType: "replication-group", sourceIdentifier: id }, request.rate.prefix, request.rate.since);
      if (recent >= request.rate.limit) throw new QuotaError("test-failovers", request.rate.limit, recent);
      const { count } = await tx.nodeGroup.updateMany({
        where: { replicationGroupId: id, nodeGroupId: request.nodeGroupId, ...noFailover },
        data: failoverColumns({ phase: "decide", from: request.from, test: true }),
      });
      if (count === 0) throw new StaleWriteError("node-group", `${id}/${request.nodeGroupId}`);
      await writeEvents(tx, events);
      return (await loadGroup(tx, id))!;
    });
  }

  /**
   * Online resharding starts: new node groups (no slots yet) with their members, the target slots
   * and the node groups to remove recorded on the group, which becomes modifying.
   */
  startResharding(
    id: string,
    version: number,
    change: { nodeGroups: NewNodeGroup[]; target: Record<string, string>; removing: string[] },
    events: NewEvent[],
    maxNodes: number,
  ): Promise<ReplicationGroup> {
    return this.db.$transaction(
      async (tx) => {
        await updateGroupAt(tx, id, version, { status: "modifying", reshardTarget: JSON.stringify(change.target), reshardRemoving: JSON.stringify(change.removing), reshardProgress: 0 });
        for (const nodeGroup of change.nodeGroups) {
          await insertNodeGroup(tx, id, nodeGroup);
          for (const member of nodeGroup.members) await insertCluster(tx, member);
        }
        await tx.nodeGroup.updateMany({ where: { replicationGroupId: id, nodeGroupId: { in: change.removing } }, data: { status: "modifying" } });
        await requireNodeQuota(tx, maxNodes);
        await writeEvents(tx, events);
        return (await loadGroup(tx, id))!;
      },
      { isolationLevel: "Serializable" },
    );
  }

  /** How much of the slot move is done (0–100). Not a change of the group's settings: its version stays. */
  /** A restore's keys are in their shards: the group no longer needs its restore files (no version bump: nothing else changed). */
  async restorePlaced(id: string): Promise<void> {
    await this.db.replicationGroup.updateMany({ where: { id }, data: { restoreFiles: null } });
  }

  async reshardProgress(id: string, progress: number): Promise<void> {
    await this.db.replicationGroup.updateMany({ where: { id, reshardTarget: { not: null } }, data: { reshardProgress: progress } });
  }

  /**
   * Every slot is where the target says: node groups record their new slots, removed node groups
   * and their members go to deleting (the reconciler removes them), the resharding record is cleared.
   */
  async finishResharding(id: string, target: Record<string, string>, removing: string[], events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.replicationGroup.update({ where: { id }, data: { reshardTarget: null, reshardRemoving: null, reshardProgress: null, ...bump } });
      for (const [nodeGroupId, slots] of Object.entries(target)) {
        await tx.nodeGroup.update({ where: { replicationGroupId_nodeGroupId: { replicationGroupId: id, nodeGroupId } }, data: { slots } });
      }
      await tx.nodeGroup.updateMany({ where: { replicationGroupId: id, nodeGroupId: { in: removing } }, data: { status: "deleting" } });
      await tx.cacheCluster.updateMany({ where: { replicationGroupId: id, nodeGroupId: { in: removing } }, data: { status: "deleting", ...bump } });
      const memberIds = (await tx.cacheCluster.findMany({ where: { replicationGroupId: id, nodeGroupId: { in: removing } }, select: { id: true } })).map((row) => row.id);
      await markNodesAbsent(tx, { clusterId: { in: memberIds } });
      await writeEvents(tx, events);
    });
  }

  /** Removed node groups whose members are all gone: their rows go too. */
  async forgetEmptyNodeGroups(id: string): Promise<void> {
    await this.db.nodeGroup.deleteMany({ where: { replicationGroupId: id, status: "deleting", members: { none: {} } } });
  }

  /* The controllers' writes. */

  /**
   * The reconciler made the group what its rows say: nodes and members available, the group
   * available. Only if nobody wrote the group since the reconciler read it (returns false then).
   */
  async markAvailable(
    id: string,
    version: number,
    settled: { nodes: { clusterId: string; nodeId: string }[]; clusterIds: string[] },
    events: NewEvent[],
  ): Promise<boolean> {
    return unlessStale(
      this.db.$transaction(async (tx) => {
        // Every node has the group's tokens now: the ones they replaced are no longer tried.
        await updateGroupAt(tx, id, version, { status: "available", previousAuthTokens: null, previousTransitMode: null });
        await tx.cacheCluster.updateMany({ where: { replicationGroupId: id, previousAuthTokens: { not: null } }, data: { previousAuthTokens: null } });
        await tx.cacheCluster.updateMany({ where: { replicationGroupId: id, previousTransitMode: { not: null } }, data: { previousTransitMode: null } });
        for (const node of settled.nodes) {
          await tx.cacheNode.update({ where: { clusterId_nodeId: node }, data: { status: "available" } });
        }
        await tx.cacheCluster.updateMany({ where: { id: { in: settled.clusterIds } }, data: { status: "available", ...bump } });
        await tx.nodeGroup.updateMany({ where: { replicationGroupId: id }, data: { status: "available" } });
        await writeEvents(tx, events);
      }),
    );
  }

  async markCreateFailed(id: string, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.replicationGroup.update({ where: { id }, data: { status: "create-failed", ...bump } });
      await tx.cacheCluster.updateMany({ where: { replicationGroupId: id }, data: { status: "create-failed", ...bump } });
      await writeEvents(tx, events);
    });
  }

  /** The last step of a delete, once every member is gone: tags, endpoint ports and the group row. */
  async remove(id: string, arn: string, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await deleteTags(tx, arn);
      await releasePortsStartingWith(tx, owners.nodeGroupEndpointsOf(id));
      await releasePorts(tx, [owners.groupConfigurationEndpoint(id)]);
      await tx.replicationGroup.deleteMany({ where: { id } });
      await writeEvents(tx, events);
    });
  }
}

