/** Pure: the runtime spec of a cache node, from its cluster and node. */
import { familyOf, memoryOf } from "../domain/catalog.ts";
import { startSettingsOf } from "../domain/parameters.ts";
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

function settingsOf(cluster: CacheCluster): Record<string, string> | undefined {
  const settings = startSettingsOf(familyOf(cluster.engine, cluster.engineVersion), cluster.parameters);
  return Object.keys(settings).length > 0 ? settings : undefined;
}

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
    // The parameter group's values (copied onto the cluster), on top of AWS's defaults: every start,
    // restart, recovery and added node gets what the group says now.
    settings: settingsOf(cluster),
    // A restored node loads its data file on its first start only; later restarts start empty (or resync).
    ...(cluster.dataFile && node.status === "creating" ? { dataFile: cluster.dataFile } : {}),
    labels: {
      cluster: cluster.id,
      node: node.nodeId,
      ...(cluster.replicationGroupId ? { "replication-group": cluster.replicationGroupId } : {}),
    },
    ...(replicaOf ? { replicaOf } : {}),
  };
}
