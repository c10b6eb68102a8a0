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

/**
 * Redis Cluster settings of a node with a cluster bus port. Nodes announce the host address and
 * host ports (`announceHost`): CLUSTER SLOTS / SHARDS and MOVED then name addresses clients on the
 * host reach, and the nodes reach each other there too (in Docker they share the host's network).
 * `cluster-node-timeout` 5 s leaves shard failover to the control plane (it sees a dead primary in
 * about 300 ms and promotes with CLUSTER FAILOVER TAKEOVER) while Redis' own election stays as a
 * backstop should the control plane be down. Full coverage is not required, as in AWS's
 * default.redis7.cluster.on, so the other shards keep serving while one fails over; replicas stay in
 * their shard (no replica migration), as the store records them.
 */
export function clusterSettingsOf(node: CacheNode & { busPort: number }, announceHost: string): Record<string, string> {
  return {
    "cluster-enabled": "yes",
    "cluster-config-file": "nodes.conf",
    "cluster-announce-ip": announceHost,
    "cluster-announce-port": String(node.hostPort),
    "cluster-announce-bus-port": String(node.busPort),
    "cluster-node-timeout": "5000",
    "cluster-require-full-coverage": "no",
    "cluster-allow-replica-migration": "no",
  };
}

function settingsOf(cluster: CacheCluster, node: CacheNode, announceHost: string): Record<string, string> | undefined {
  const settings = startSettingsOf(familyOf(cluster.engine, cluster.engineVersion), cluster.parameters);
  const clustered = node.busPort !== undefined && cluster.engine !== "memcached";
  const all = clustered ? { ...settings, ...clusterSettingsOf({ ...node, busPort: node.busPort! }, announceHost) } : settings;
  return Object.keys(all).length > 0 ? all : undefined;
}

export interface NodeSpecOptions {
  /**
   * The primary's peer address, for a node that must be a replica from its first moment (a
   * recovered, added or rebooted replica): it never answers as a master with an empty dataset, so
   * no client write to its own endpoint is acknowledged and then wiped by the sync. Redis Cluster
   * nodes ignore it (Redis refuses `replicaof` in cluster mode; CLUSTER REPLICATE attaches them).
   */
  replicaOf?: Address;
  /** The address cluster nodes announce (the host address their ports are on); default 127.0.0.1. */
  announceHost?: string;
}

export function nodeSpecOf(cluster: CacheCluster, node: CacheNode, options: NodeSpecOptions = {}): NodeSpec {
  const engine = cluster.engine as EngineKind;
  const busPort = node.busPort;
  const clustered = busPort !== undefined && engine !== "memcached";
  return {
    name: node.runtimeName,
    engine,
    engineVersion: cluster.engineVersion,
    hostPort: node.hostPort,
    network: cluster.subnetGroupName,
    zone: node.az,
    maxMemoryMb: memoryMbOf(cluster.cacheNodeType),
    // The parameter group's values (copied onto the cluster), on top of AWS's defaults: every start,
    // restart, recovery and added node gets what the group says now; Redis Cluster's settings on top.
    settings: settingsOf(cluster, node, options.announceHost ?? "127.0.0.1"),
    ...(clustered ? { extraPorts: [{ name: "bus", hostPort: busPort, setting: "cluster-port" }], hostNetwork: true } : {}),
    // A restored node loads its data file on its first start only; later restarts start empty (or resync).
    ...(cluster.dataFile && node.status === "creating" ? { dataFile: cluster.dataFile } : {}),
    labels: {
      cluster: cluster.id,
      node: node.nodeId,
      ...(cluster.replicationGroupId ? { "replication-group": cluster.replicationGroupId } : {}),
    },
    ...(options.replicaOf && !clustered ? { replicaOf: options.replicaOf } : {}),
  };
}

/** The address cluster nodes announce for a node host: a wildcard bind is reached on loopback. */
export const announceHostOf = (nodeHost: string) => (nodeHost === "0.0.0.0" ? "127.0.0.1" : nodeHost === "::" ? "::1" : nodeHost);
