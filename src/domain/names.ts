/**
 * How ElastiCache names what a replication group is made of, in one place: node groups (shards)
 * "0001"…, member clusters "<group>-001" (cluster mode disabled) or "<group>-0001-001" (cluster
 * mode enabled: member 1 of node group 1), cache nodes "0001"…, and the name a node gets in the
 * runtime (container / process directory). Nothing else writes these formats.
 */

const pad = (value: number, width: number) => String(value).padStart(width, "0");

/** Node group (shard) ids are four digits, counted from 1. */
export const nodeGroupIdOf = (index: number) => pad(index, 4);

/** The first node group: the only one of a cluster-mode-disabled group. */
export const firstNodeGroupId = () => nodeGroupIdOf(1);

/** AWS accepts "1" for "0001" in NodeGroupId parameters. Undefined when it is not 1 to 4 digits. */
export function normalizeNodeGroupId(value: string): string | undefined {
  return /^\d{1,4}$/.test(value) ? value.padStart(4, "0") : undefined;
}

/** Member cluster ids: `<group>-00N`, or `<group>-<node group>-00N` in cluster mode. */
export function memberIdOf(groupId: string, index: number, nodeGroupId?: string): string {
  return nodeGroupId === undefined ? `${groupId}-${pad(index, 3)}` : `${groupId}-${nodeGroupId}-${pad(index, 3)}`;
}

/** The member number at the end of a member id ("shop-0002-003" -> 3). */
export const memberNumberOf = (memberId: string) => Number(/(\d+)$/.exec(memberId)?.[1] ?? 0);

/** Cache node ids within a cluster: "0001"…. */
export const nodeIdOf = (index: number) => pad(index, 4);

/** The number of a node id ("0003" -> 3), to continue numbering after the highest. */
export const nodeNumberOf = (nodeId: string) => Number(nodeId);

/** The runtime's name of a node: unique, stable, and readable in `docker ps`. */
export const runtimeNameOf = (clusterId: string, nodeId: string) => `${clusterId}-${nodeId}`;
