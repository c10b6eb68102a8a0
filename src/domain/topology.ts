/**
 * Pure rules about a group's shape that the operations and the controllers share: who the
 * primary of a node group is (its role, recorded by the failover), its replicas, the one node of a
 * member, every member of a group.
 */
import type { CacheCluster, CacheNode, ClusterSettings, NodeGroup, ReplicationGroup } from "./model.ts";

/** Every member of the group, by id (AWS's MemberClusters order). */
export function membersOf(group: ReplicationGroup): CacheCluster[] {
  return group.nodeGroups.flatMap((nodeGroup) => nodeGroup.members).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function primaryOf(nodeGroup: NodeGroup): CacheCluster | undefined {
  return nodeGroup.members.find((member) => member.role === "primary");
}

export function replicasOf(nodeGroup: NodeGroup): CacheCluster[] {
  return nodeGroup.members.filter((member) => member.role === "replica");
}

/** A node group member has exactly one node. */
export function nodeOf(member: CacheCluster): CacheNode | undefined {
  return member.nodes[0];
}

/** Present and running as far as the store knows. */
export function isAvailable(node: CacheNode | undefined): boolean {
  return node !== undefined && node.desired === "present" && node.status === "available";
}

/** The settings a new member inherits from its group. */
export function settingsOf(group: ReplicationGroup): ClusterSettings {
  const { engine, engineVersion, cacheNodeType, port, subnetGroupName, parameterGroupName, snapshotRetentionLimit, snapshotWindow, securityGroupIds, security } = group;
  return { engine, engineVersion, cacheNodeType, port, subnetGroupName, parameterGroupName, snapshotRetentionLimit, snapshotWindow, securityGroupIds, security };
}
