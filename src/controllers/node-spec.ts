/** Pure: the runtime spec of a cache node, from its cluster and node. */
import { DEFAULT_MAXMEMORY_POLICY, memoryOf } from "../domain/catalog.ts";
import type { CacheCluster, CacheNode } from "../domain/model.ts";
import type { Address, EngineKind, NodeSpec } from "../runtime/types.ts";

/** Node types were checked when the resource was written; an unknown one here is a bug. */
function memoryMbOf(nodeType: string): number {
  const memory = memoryOf(nodeType);
  if (memory === undefined) throw new Error(`unknown node type ${nodeType}`);
  return memory;
}

/** Redis' maxmemory setting for a node type. */
export const maxmemoryOf = (nodeType: string) => `${memoryMbOf(nodeType)}mb`;

/**
 * `replicaOf`: the primary's peer address, for a node that must be a replica from its first
 * moment (a recovered, added or rebooted replica): it never answers as a master with an empty
 * dataset, so no client write to its own endpoint is acknowledged and then wiped by the sync.
 */
export function nodeSpecOf(cluster: CacheCluster, node: CacheNode, replicaOf?: Address): NodeSpec {
  const engine = cluster.engine as EngineKind;
  return {
    name: node.runtimeName,
    engine,
    engineVersion: cluster.engineVersion,
    hostPort: node.hostPort,
    network: cluster.subnetGroupName,
    zone: node.az,
    maxMemoryMb: memoryMbOf(cluster.cacheNodeType),
    settings: engine === "memcached" ? undefined : { "maxmemory-policy": DEFAULT_MAXMEMORY_POLICY },
    labels: {
      cluster: cluster.id,
      node: node.nodeId,
      ...(cluster.replicationGroupId ? { "replication-group": cluster.replicationGroupId } : {}),
    },
    ...(replicaOf ? { replicaOf } : {}),
  };
}
