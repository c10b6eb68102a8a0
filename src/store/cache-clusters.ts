/**
 * Cache clusters: standalone (Memcached, one Redis/Valkey node) or members of a node group. Writes
 * after validation are conditional on the version read, like replication groups'; a cluster that
 * joins or leaves a group also writes the group conditionally, so replica counts stay within the
 * rules however many requests race.
 */
import { insertSnapshot, type NewSnapshot } from "./snapshot-rows.ts";
import { applyGroupTo, type ApplyAs } from "./parameter-groups.ts";
import type { NewEvent } from "../domain/events.ts";
import type { CacheCluster, Tag } from "../domain/model.ts";
import { bump, type Db, type Tx } from "./database.ts";
import { QuotaError, StaleWriteError, unlessStale } from "./errors.ts";
import { writeEvents } from "./events.ts";
import { insertCluster, insertNodes, markNodesAbsent, nodeCount, type NewCluster, type NewNode } from "./members.ts";
import { claimPorts, owners, releasePorts } from "./ports.ts";
import { updateGroupAt } from "./replication-groups.ts";
import { queryIn, readClusters, type Query } from "./joined-reads.ts";
import { uncached, type ReadCache } from "./read-cache.ts";
import { deleteTags, writeTags } from "./tags.ts";
import { securityGroupIdsColumn } from "./security-group-columns.ts";

/** A write of the group that goes with a member's change, conditional on the version read. */
export interface GroupGuard {
  id: string;
  version: number;
}

export interface ClusterChange {
  numCacheNodes?: number;
  cacheNodeType?: string;
  snapshotRetentionLimit?: number;
  snapshotWindow?: string;
  status?: string;
  addNodes?: NewNode[];
  removeNodeIds?: string[];
  /** Another parameter group: the cluster takes its values, live or at the next reboot. */
  parameterGroup?: { name: string; applyAs: ApplyAs };
  /** New VPC security group ids. */
  securityGroupIds?: string[];
  /**
   * Restart every present node with the cluster's new settings (a Memcached node type: its memory
   * limit is a command-line flag, so the node is replaced, empty, as on AWS).
   */
  restartNodes?: boolean;
}

export async function updateClusterAt(tx: Tx, id: string, version: number, data: Record<string, unknown>): Promise<void> {
  const { count } = await tx.cacheCluster.updateMany({ where: { id, version }, data: { ...data, ...bump } });
  if (count === 0) throw new StaleWriteError("cache-cluster", id);
}

async function loadCluster(tx: Tx, id: string): Promise<CacheCluster | undefined> {
  return (await readClusters(queryIn(tx), { id }))[0];
}

export class CacheClusterRepository {
  constructor(
    private readonly db: Db,
    /** Reads outside transactions (the fast path of read-connection.ts on SQLite). */
    private readonly query: Query = queryIn(db),
    /** Results kept until the database changes (read-cache.ts); none with Prisma alone. */
    private readonly cache: ReadCache = uncached,
  ) {}

  async get(id: string): Promise<CacheCluster | undefined> {
    return (await readClusters(this.query, { id }))[0];
  }

  list(filter: { id?: string; standaloneOnly?: boolean } = {}): Promise<CacheCluster[]> {
    return readClusters(this.query, filter);
  }

  /**
   * What list() returns, but shared between callers until the database changes (read-cache.ts):
   * for the Describe operations, which only read. The objects are frozen.
   */
  listShared(filter: { id?: string; standaloneOnly?: boolean } = {}): Promise<readonly CacheCluster[]> {
    const key = JSON.stringify(["clusters", filter.id ?? null, filter.standaloneOnly ?? false]);
    return this.cache.read(key, () => readClusters(this.query, filter));
  }

  /** Whether any of the ids is taken by a cluster. */
  async firstExisting(ids: string[]): Promise<string | undefined> {
    return (await this.db.cacheCluster.findFirst({ where: { id: { in: ids } }, select: { id: true } }))?.id;
  }

  /** All cluster ids starting with a prefix (member numbering). */
  async idsStartingWith(prefix: string): Promise<string[]> {
    return (await this.db.cacheCluster.findMany({ where: { id: { startsWith: prefix } }, select: { id: true } })).map((row) => row.id);
  }

  async nodeCount(): Promise<number> {
    return nodeCount(this.db);
  }

  /**
   * A new cluster with its nodes, ports (and configuration endpoint port), tags and events. When it
   * joins a group (`group`), the group must still be as read and becomes modifying.
   */
  create(cluster: NewCluster, extra: { group?: GroupGuard; tags: { arn: string; tags: Tag[] }; events: NewEvent[]; maxNodes: number }): Promise<CacheCluster> {
    return this.db.$transaction(
      async (tx) => {
        if (extra.group) await updateGroupAt(tx, extra.group.id, extra.group.version, { status: "modifying" });
        if (cluster.configEndpointPort !== undefined) {
          await claimPorts(tx, [{ port: cluster.configEndpointPort, owner: owners.configurationEndpoint(cluster.id) }]);
        }
        await insertCluster(tx, cluster);
        const nodes = await nodeCount(tx);
        if (nodes > extra.maxNodes) throw new QuotaError("nodes-per-account", extra.maxNodes, nodes);
        await writeTags(tx, extra.tags.arn, extra.tags.tags);
        await writeEvents(tx, extra.events);
        return (await loadCluster(tx, cluster.id))!;
      },
      { isolationLevel: "Serializable" },
    );
  }

  /** Settings and node changes of an available cluster (nodes added with their ports, removed ones marked). */
  modify(id: string, version: number, change: ClusterChange, events: NewEvent[], maxNodes: number): Promise<CacheCluster> {
    const { addNodes = [], removeNodeIds = [], parameterGroup, securityGroupIds, restartNodes, ...settings } = change;
    return this.db.$transaction(
      async (tx) => {
        const securityGroups = securityGroupIds === undefined ? undefined : securityGroupIdsColumn(securityGroupIds);
        await updateClusterAt(tx, id, version, { ...settings, securityGroupIds: securityGroups });
        if (restartNodes) await tx.cacheNode.updateMany({ where: { clusterId: id, desired: "present" }, data: { status: "rebooting" } });
        if (parameterGroup) await applyGroupTo(tx, { id }, parameterGroup.name, parameterGroup.applyAs);
        await insertNodes(tx, id, addNodes);
        if (removeNodeIds.length > 0) await markNodesAbsent(tx, { clusterId: id, nodeId: { in: removeNodeIds } });
        const nodes = await nodeCount(tx);
        if (nodes > maxNodes) throw new QuotaError("nodes-per-account", maxNodes, nodes);
        await writeEvents(tx, events);
        return (await loadCluster(tx, id))!;
      },
      { isolationLevel: "Serializable" },
    );
  }

  /** The cluster and its nodes go to deleting; a member's group (as read) becomes modifying. */
  markDeleting(id: string, version: number, group: GroupGuard | undefined, events: NewEvent[], finalSnapshot?: NewSnapshot): Promise<CacheCluster> {
    return this.db.$transaction(async (tx) => {
      if (group) await updateGroupAt(tx, group.id, group.version, { status: "modifying" });
      await updateClusterAt(tx, id, version, { status: "deleting" });
      if (finalSnapshot) await insertSnapshot(tx, finalSnapshot);
      await markNodesAbsent(tx, { clusterId: id });
      await writeEvents(tx, events);
      return (await loadCluster(tx, id))!;
    });
  }

  /** RebootCacheCluster: the cluster and the named nodes go to rebooting. */
  markRebooting(id: string, version: number, nodeIds: string[], events: NewEvent[]): Promise<CacheCluster> {
    return this.db.$transaction(async (tx) => {
      await updateClusterAt(tx, id, version, { status: "rebooting cluster nodes" });
      await tx.cacheNode.updateMany({ where: { clusterId: id, nodeId: { in: nodeIds } }, data: { status: "rebooting" } });
      await writeEvents(tx, events);
      return (await loadCluster(tx, id))!;
    });
  }

  /* The controllers' writes. */

  /**
   * A standalone cluster the reconciler brought to what its rows say; only if nobody wrote the
   * cluster since the reconciler read it (returns false then). Memcached's Auto Discovery version
   * goes up when nodes were added or removed.
   */
  async markAvailable(id: string, version: number, settled: { nodeIds: string[]; nodesChanged: boolean }, events: NewEvent[]): Promise<boolean> {
    return unlessStale(
      this.db.$transaction(async (tx) => {
        await updateClusterAt(tx, id, version, { status: "available", configVersion: settled.nodesChanged ? { increment: 1 } : undefined });
        await tx.cacheNode.updateMany({ where: { clusterId: id, nodeId: { in: settled.nodeIds } }, data: { status: "available" } });
        await writeEvents(tx, events);
      }),
    );
  }

  async markCreateFailed(id: string, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.cacheCluster.update({ where: { id }, data: { status: "create-failed", ...bump } });
      await writeEvents(tx, events);
    });
  }

  /** Once its nodes are gone from the runtime: the cluster's rows, ports and tags. */
  async remove(cluster: CacheCluster, arn: string, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await releasePorts(tx, [...cluster.nodes.map((node) => owners.node(node.runtimeName)), owners.configurationEndpoint(cluster.id)]);
      await deleteTags(tx, arn);
      await tx.cacheCluster.deleteMany({ where: { id: cluster.id } });
      await writeEvents(tx, events);
    });
  }
}
