/**
 * Inserting clusters and their nodes, shared by every write that makes them (a group's members,
 * replicas added later, standalone clusters, Memcached nodes added later). Each node's host port
 * is claimed in the same transaction; ids and ports are kept unique by the database.
 */
import type { ClusterSettings, Role } from "../domain/model.ts";
import { defaultGroupNamed } from "../domain/parameters.ts";
import { runtimeNameOf } from "../domain/names.ts";
import type { Tx } from "./database.ts";
import { translateUnique } from "./errors.ts";
import { claimPorts, owners } from "./ports.ts";
import { securityColumns } from "./security-columns.ts";
import { securityGroupIdsColumn } from "./security-group-columns.ts";

export interface NewNode {
  nodeId: string;
  az: string;
  hostPort: number;
  /** Transit encryption "preferred": the port of its TLS listener. */
  tlsPort?: number;
}

export interface NewCluster extends ClusterSettings {
  id: string;
  replicationGroupId?: string;
  nodeGroupId?: string;
  role?: Role;
  preferredAz: string;
  status: string;
  configEndpointPort?: number;
  /** Restore: the RDB file the node's first start loads. */
  dataFile?: string;
  nodes: NewNode[];
}

/** The values a parameter group sets: a default group's from the catalog, a user's from its rows. */
export async function parameterValuesOf(tx: Tx, groupName: string): Promise<Record<string, string>> {
  const defaults = defaultGroupNamed(groupName);
  if (defaults) return defaults.values;
  const rows = await tx.cacheParameter.findMany({ where: { groupName }, orderBy: { name: "asc" } });
  return Object.fromEntries(rows.map((row) => [row.name, row.value]));
}

export async function insertCluster(tx: Tx, cluster: NewCluster): Promise<void> {
  const { nodes, security, securityGroupIds, ...row } = cluster;
  // A new cluster starts with what its parameter group says now (nodes added later included).
  const parameters = JSON.stringify(await parameterValuesOf(tx, cluster.parameterGroupName));
  try {
    await tx.cacheCluster.create({ data: { ...row, ...securityColumns(security), securityGroupIds: securityGroupIdsColumn(securityGroupIds), parameters, numCacheNodes: nodes.length } });
  } catch (error) {
    throw translateUnique(error, "cache-cluster", cluster.id);
  }
  await insertNodes(tx, cluster.id, nodes);
}

export async function insertNodes(tx: Tx, clusterId: string, nodes: NewNode[]): Promise<void> {
  for (const node of nodes) {
    const runtimeName = runtimeNameOf(clusterId, node.nodeId);
    // A TLS port is the node's too: released with its other port.
    const ports = node.tlsPort === undefined ? [node.hostPort] : [node.hostPort, node.tlsPort];
    await claimPorts(tx, ports.map((port) => ({ port, owner: owners.node(runtimeName) })));
    try {
      await tx.cacheNode.create({
        data: { clusterId, nodeId: node.nodeId, status: "creating", hostPort: node.hostPort, tlsPort: node.tlsPort, runtimeName, az: node.az },
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
