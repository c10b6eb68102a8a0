/**
 * The node groups of a new cluster-mode-enabled group: per shard a primary `<rg>-<shard>-001` and
 * its replicas `-002`…, each node with a client port and a cluster bus port, in the shard's zones
 * (as asked, else the subnet group's zones round-robin). Pure, given the ports.
 */
import type { ClusterSettings } from "../domain/model.ts";
import { memberIdOf } from "../domain/names.ts";
import { tlsBesidePlain, type NodeSecurity } from "../domain/security.ts";
import type { NewNodeGroup } from "../store/index.ts";
import type { ShardPlan } from "./cluster-mode-input.ts";
import { newMember } from "./members.ts";

/** Ports each node of a cluster-mode-enabled group takes: client and cluster bus, and a TLS listener's for transit encryption "preferred". */
export const portsPerClusterNode = (security: NodeSecurity | undefined) => (security && tlsBesidePlain(security) ? 3 : 2);

/** Hands out `perNode` ports a node from `ports`, in order: [client, bus, TLS?]. */
export function portTaker(ports: number[], perNode: number): () => number[] {
  let next = 0;
  return () => {
    const taken = ports.slice(next, next + perNode);
    next += perNode;
    return taken;
  };
}

export const nodesOfShards = (shards: ShardPlan[]) => shards.reduce((sum, shard) => sum + 1 + shard.replicaCount, 0);

/** Members of one shard; `ports` hands out a member's ports ([client, bus, TLS?]), `zoneAt(n)` the n-th zone of the round-robin. */
export function shardMembers(
  settings: ClusterSettings,
  replicationGroupId: string,
  shard: { id: string; primaryAz?: string; replicaAzs?: string[] },
  members: { number: number; role: "primary" | "replica" }[],
  ports: () => number[],
  zoneAt: (index: number) => string,
) {
  return members.map(({ number, role }, index) => {
    const az = (role === "primary" ? shard.primaryAz : shard.replicaAzs?.[number - 2]) ?? zoneAt(index);
    const [hostPort, busPort, tlsPort] = ports();
    const member = newMember(settings, { id: memberIdOf(replicationGroupId, number, shard.id), replicationGroupId, nodeGroupId: shard.id, role, az, hostPort, tlsPort });
    member.nodes[0].busPort = busPort;
    return member;
  });
}

export function clusterNodeGroups(settings: ClusterSettings, replicationGroupId: string, shards: ShardPlan[], ports: number[], zones: string[]): NewNodeGroup[] {
  const take = portTaker(ports, portsPerClusterNode(settings.security));
  return shards.map((shard, shardIndex) => ({
    id: shard.id,
    slots: shard.slots,
    members: shardMembers(
      settings,
      replicationGroupId,
      shard,
      Array.from({ length: 1 + shard.replicaCount }, (_, index) => ({ number: index + 1, role: index === 0 ? ("primary" as const) : ("replica" as const) })),
      take,
      (index) => zones[(shardIndex + index) % zones.length],
    ),
  }));
}
