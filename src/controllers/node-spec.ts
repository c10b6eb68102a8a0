/** Pure: the runtime spec of a cache node, from its cluster and node. */
import { familyOf, memoryOf } from "../domain/catalog.ts";
import { startSettingsOf } from "../domain/parameters.ts";
import type { CacheCluster, CacheNode } from "../domain/model.ts";
import type { EngineKind, NodeSpec } from "../runtime/types.ts";

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

export function nodeSpecOf(cluster: CacheCluster, node: CacheNode): NodeSpec {
  const engine = cluster.engine as EngineKind;
  return {
    name: node.runtimeName,
    engine,
    engineVersion: cluster.engineVersion,
    hostPort: node.hostPort,
    network: cluster.subnetGroupName,
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
  };
}
