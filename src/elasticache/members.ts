/**
 * Cache clusters and their nodes as rows: used when a replication group is created, when replicas
 * are added, and when a cache cluster is created alone or into a group. Every node gets a host
 * port claimed in the same transaction and a stable runtime name.
 */
import { memberIdOf, runtimeNameOf } from "../domain/names.ts";
import type { Db } from "../store/database.ts";
import { AwsError } from "./errors.ts";
import { claimPorts, nodePortOwner } from "./ports.ts";

type Tx = Pick<Db, "cacheCluster" | "cacheNode" | "portAllocation">;


export interface ClusterSettings {
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  port: number;
  subnetGroupName: string;
  parameterGroupName: string;
  snapshotRetentionLimit: number;
  snapshotWindow: string | null;
}

export interface NewCluster extends ClusterSettings {
  id: string;
  replicationGroupId?: string;
  nodeGroupId?: string;
  role?: "primary" | "replica";
  preferredAz: string;
  status: string;
  configVersion?: number;
  configEndpointPort?: number;
  /** One entry per node: its availability zone and host port. */
  nodes: { nodeId: string; az: string; hostPort: number }[];
}

export async function createClusterRows(tx: Tx, cluster: NewCluster): Promise<void> {
  const { nodes, ...row } = cluster;
  await tx.cacheCluster.create({ data: { ...row, numCacheNodes: nodes.length } });
  await addNodeRows(tx, cluster.id, nodes);
}

export async function addNodeRows(tx: Tx, clusterId: string, nodes: NewCluster["nodes"]): Promise<void> {
  for (const node of nodes) {
    const runtimeName = runtimeNameOf(clusterId, node.nodeId);
    await claimPorts(tx, [{ port: node.hostPort, owner: nodePortOwner(runtimeName) }]);
    await tx.cacheNode.create({
      data: { clusterId, nodeId: node.nodeId, status: "creating", hostPort: node.hostPort, runtimeName, az: node.az },
    });
  }
}

/** Fails the way AWS does when a member id is taken by a cluster that already exists. */
export async function requireClusterIdsFree(tx: Pick<Db, "cacheCluster">, ids: string[]): Promise<void> {
  const taken = await tx.cacheCluster.findFirst({ where: { id: { in: ids } }, select: { id: true } });
  if (taken) throw new AwsError("CacheClusterAlreadyExists", `Cache cluster ${taken.id} already exists.`);
}

/** Next free member numbers of a group: <group>-00N not used by any cluster. */
export async function nextMemberIds(tx: Pick<Db, "cacheCluster">, groupId: string, count: number): Promise<string[]> {
  const used = new Set(
    (await tx.cacheCluster.findMany({ where: { id: { startsWith: `${groupId}-` } }, select: { id: true } })).map((row) => row.id),
  );
  const ids: string[] = [];
  for (let index = 1; ids.length < count && index <= 999; index++) {
    const id = memberIdOf(groupId, index);
    if (!used.has(id)) ids.push(id);
  }
  return ids;
}
