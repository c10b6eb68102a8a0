/** Pure: the runtime spec of a cache node, from its cluster and node. */
import { DEFAULT_MAXMEMORY_POLICY, memoryOf } from "../domain/catalog.ts";
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

/** `announceHost`: the address cluster nodes announce (the host address their ports are on). */
export function nodeSpecOf(cluster: CacheCluster, node: CacheNode, announceHost = "127.0.0.1"): NodeSpec {
  const engine = cluster.engine as EngineKind;
  const busPort = node.busPort;
  const clustered = busPort !== undefined && engine !== "memcached";
  return {
    name: node.runtimeName,
    engine,
    engineVersion: cluster.engineVersion,
    hostPort: node.hostPort,
    network: cluster.subnetGroupName,
    maxMemoryMb: memoryMbOf(cluster.cacheNodeType),
    settings:
      engine === "memcached"
        ? undefined
        : { "maxmemory-policy": DEFAULT_MAXMEMORY_POLICY, ...(clustered ? clusterSettingsOf({ ...node, busPort }, announceHost) : {}) },
    ...(clustered ? { extraPorts: [{ name: "bus", hostPort: busPort, setting: "cluster-port" }], hostNetwork: true } : {}),
    labels: {
      cluster: cluster.id,
      node: node.nodeId,
      ...(cluster.replicationGroupId ? { "replication-group": cluster.replicationGroupId } : {}),
    },
  };
}

/** The address cluster nodes announce for a node host: a wildcard bind is reached on loopback. */
export const announceHostOf = (nodeHost: string) => (nodeHost === "0.0.0.0" ? "127.0.0.1" : nodeHost === "::" ? "::1" : nodeHost);
