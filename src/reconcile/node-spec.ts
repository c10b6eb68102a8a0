/** Pure: the runtime spec of a cache node, from its rows. */
import { DEFAULT_MAXMEMORY_POLICY, nodeTypeMemory } from "../elasticache/catalog.ts";
import type { EngineKind, NodeSpec } from "../runtime/types.ts";

export interface NodeRowLike {
  runtimeName: string;
  hostPort: number;
  clusterId: string;
  nodeId: string;
  az?: string;
}

export interface ClusterRowLike {
  id: string;
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  subnetGroupName: string;
  replicationGroupId: string | null;
}

export function nodeSpecOf(cluster: ClusterRowLike, node: NodeRowLike): NodeSpec {
  const engine = cluster.engine as EngineKind;
  return {
    name: node.runtimeName,
    engine,
    engineVersion: cluster.engineVersion,
    hostPort: node.hostPort,
    network: cluster.subnetGroupName,
    zone: node.az,
    maxMemoryMb: nodeTypeMemory(cluster.cacheNodeType),
    settings: engine === "memcached" ? undefined : { "maxmemory-policy": DEFAULT_MAXMEMORY_POLICY },
    labels: {
      cluster: cluster.id,
      node: node.nodeId,
      ...(cluster.replicationGroupId ? { "replication-group": cluster.replicationGroupId } : {}),
    },
  };
}
