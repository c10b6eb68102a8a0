/**
 * What the reconciler's pass reads to find the resources that need work: every group's and
 * cluster's status and every node's runtime name, status and desired presence, in few queries
 * and without loading whole resources.
 */
import type { Db } from "./database.ts";

export interface Overview {
  groups: { id: string; status: string }[];
  clusters: { id: string; status: string; replicationGroupId?: string }[];
  nodes: { runtimeName: string; clusterId: string; status: string; desired: string }[];
}

export async function readOverview(db: Db): Promise<Overview> {
  const [groups, clusters, nodes] = await Promise.all([
    db.replicationGroup.findMany({ select: { id: true, status: true } }),
    db.cacheCluster.findMany({ select: { id: true, status: true, replicationGroupId: true } }),
    db.cacheNode.findMany({ select: { runtimeName: true, clusterId: true, status: true, desired: true } }),
  ]);
  return {
    groups,
    clusters: clusters.map((cluster) => ({ id: cluster.id, status: cluster.status, replicationGroupId: cluster.replicationGroupId ?? undefined })),
    nodes,
  };
}
