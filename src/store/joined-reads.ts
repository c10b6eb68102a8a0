/**
 * The Describe reads, each one SQL statement run by a Query (read-connection.ts). Loading a group
 * with Prisma's nested include costs one query per level (group, node groups, members, nodes); one
 * LEFT JOIN over the four tables costs a fraction of that. The rows are folded back into the
 * nested shapes rows.ts maps, so the domain objects are the same whichever way they were read
 * (test/store/reads.test.ts). Portable SQL: quoted identifiers, `?` parameters.
 */
import { Prisma } from "../generated/prisma/client.ts";
import type { CacheCluster, ReplicationGroup } from "../domain/model.ts";
import type { Tx } from "./database.ts";
import { toCluster, toReplicationGroup } from "./rows.ts";

type Row = Record<string, unknown>;

/** Runs one read statement; values come back as JavaScript types (booleans, dates). */
export type Query = (sql: string, params: unknown[]) => Promise<Row[]>;

/** Reads inside a transaction go through it, so they see its own writes. */
export const queryIn = (tx: Tx): Query => (sql, params) => tx.$queryRawUnsafe<Row[]>(sql, ...params);

/** One table's columns in a joined row: its SELECT list and a reader that takes them back out. */
function table(alias: string, fields: Record<string, string>, key: string) {
  const names = Object.values(fields).map((field) => [field, `${alias}.${field}`] as const);
  const keyColumn = `${alias}.${key}`;
  return {
    select: names.map(([field, column]) => `${alias}."${field}" AS "${column}"`).join(", "),
    /** The row's key for this table; null when the LEFT JOIN found nothing. */
    keyOf: (row: Row) => row[keyColumn] as unknown,
    read(row: Row, extra: Row): Row {
      const out: Row = { ...extra };
      for (const [field, column] of names) out[field] = row[column];
      return out;
    },
  };
}

/** The last item of a list sorted by key, or a new one made for this row's key. */
function lastOrAdd(list: Row[], key: unknown, make: () => Row, keyName: string): Row {
  const last = list[list.length - 1];
  if (last && last[keyName] === key) return last;
  const item = make();
  list.push(item);
  return item;
}

const RG = table("rg", Prisma.ReplicationGroupScalarFieldEnum, "id");
const NG = table("ng", Prisma.NodeGroupScalarFieldEnum, "nodeGroupId");
const C = table("c", Prisma.CacheClusterScalarFieldEnum, "id");
const N = table("n", Prisma.CacheNodeScalarFieldEnum, "nodeId");

const GROUPS = `
  SELECT ${RG.select}, ${NG.select}, ${C.select}, ${N.select}
  FROM "ReplicationGroup" rg
  LEFT JOIN "NodeGroup" ng ON ng."replicationGroupId" = rg."id"
  LEFT JOIN "CacheCluster" c ON c."replicationGroupId" = ng."replicationGroupId" AND c."nodeGroupId" = ng."nodeGroupId"
  LEFT JOIN "CacheNode" n ON n."clusterId" = c."id"`;
const GROUP_ORDER = `ORDER BY rg."id", ng."nodeGroupId", c."id", n."nodeId"`;

/** Replication groups with their node groups, members and nodes; one group when `id` is given. */
export async function readGroups(query: Query, id?: string): Promise<ReplicationGroup[]> {
  const rows = id === undefined ? await query(`${GROUPS} ${GROUP_ORDER}`, []) : await query(`${GROUPS} WHERE rg."id" = ? ${GROUP_ORDER}`, [id]);
  const groups: Row[] = [];
  for (const row of rows) {
    const group = lastOrAdd(groups, RG.keyOf(row), () => RG.read(row, { nodeGroups: [] }), "id");
    const nodeGroupId = NG.keyOf(row);
    if (nodeGroupId === null) continue;
    const nodeGroup = lastOrAdd(group.nodeGroups as Row[], nodeGroupId, () => NG.read(row, { members: [] }), "nodeGroupId");
    const clusterId = C.keyOf(row);
    if (clusterId === null) continue;
    const member = lastOrAdd(nodeGroup.members as Row[], clusterId, () => C.read(row, { nodes: [] }), "id");
    if (N.keyOf(row) !== null) (member.nodes as Row[]).push(N.read(row, {}));
  }
  return groups.map((group) => toReplicationGroup(group as never));
}

const CLUSTERS = `
  SELECT ${C.select}, ${N.select}
  FROM "CacheCluster" c
  LEFT JOIN "CacheNode" n ON n."clusterId" = c."id"`;
const CLUSTER_ORDER = `ORDER BY c."id", n."nodeId"`;

/** Cache clusters with their nodes: one by id, or all (only those outside groups with `standaloneOnly`). */
export async function readClusters(query: Query, filter: { id?: string; standaloneOnly?: boolean }): Promise<CacheCluster[]> {
  const conditions = [...(filter.id === undefined ? [] : [`c."id" = ?`]), ...(filter.standaloneOnly ? [`c."replicationGroupId" IS NULL`] : [])];
  const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
  const rows = await query(`${CLUSTERS} ${where} ${CLUSTER_ORDER}`, filter.id === undefined ? [] : [filter.id]);
  const clusters: Row[] = [];
  for (const row of rows) {
    const cluster = lastOrAdd(clusters, C.keyOf(row), () => C.read(row, { nodes: [] }), "id");
    if (N.keyOf(row) !== null) (cluster.nodes as Row[]).push(N.read(row, {}));
  }
  return clusters.map((cluster) => toCluster(cluster as never));
}
