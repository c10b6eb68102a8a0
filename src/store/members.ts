/**
 * Inserting clusters and their nodes, shared by every write that makes them (a group's members,
 * replicas added later, standalone clusters, Memcached nodes added later). Each node's host port
 * is claimed in the same transaction; ids and ports are kept unique by the database.
 */
import type { ClusterSettings, Role } from "../domain/model.ts";
import { runtimeNameOf } from "../domain/names.ts";
import type { Tx } from "./database.ts";
import { translateUnique } from "./errors.ts";
import { claimPorts, owners } from "./ports.ts";

export interface NewNode {
  nodeId: string;
  az: string;
  hostPort: number;
  /** Cluster mode enabled: the cluster bus port, owned by the node like its host port. */
  busPort?: number;
}

export interface NewCluster extends ClusterSettings {
  id: string;
  replicationGroupId?: string;
  nodeGroupId?: string;
  role?: Role;
  preferredAz: string;
  status: string;
  configEndpointPort?: number;
  nodes: NewNode[];
}

export async function insertCluster(tx: Tx, cluster: NewCluster): Promise<void> {
  const { nodes, ...row } = cluster;
  try {
    await tx.cacheCluster.create({ data: { ...row, numCacheNodes: nodes.length } });
  } catch (error) {
    throw translateUnique(error, "cache-cluster", cluster.id);
  }
  await insertNodes(tx, cluster.id, nodes);
}

export async function insertNodes(tx: Tx, clusterId: string, nodes: NewNode[]): Promise<void> {
  for (const node of nodes) {
    const runtimeName = runtimeNameOf(clusterId, node.nodeId);
    await claimPorts(tx, [node.hostPort, ...(node.busPort === undefined ? [] : [node.busPort])].map((port) => ({ port, owner: owners.node(runtimeName) })));
    try {
      await tx.cacheNode.create({
        data: { clusterId, nodeId: node.nodeId, status: "creating", hostPort: node.hostPort, busPort: node.busPort, runtimeName, az: node.az },
      });
    } catch (error) {
      throw translateUnique(error, "cache-cluster", clusterId);
    }
  }
}

/** Marks nodes for removal: the reconciler removes them from the runtime, then forgets them. */
export async function markNodesAbsent(tx: Tx, where: { clusterId?: string | { in: string[] }; nodeId?: { in: string[] } }): Promise<void> {
  await tx.cacheNode.updateMany({ where, data: { desired: "absent", status: "deleting" } });
}

/** The account-wide node count, checked after inserting inside the same transaction. */
export async function nodeCount(tx: Tx): Promise<number> {
  return tx.cacheNode.count();
}
