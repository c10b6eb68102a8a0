/**
 * The Describe reads fold one joined SQL statement back into groups, node groups, members and
 * nodes, run through Prisma (inside transactions) or as openStore() runs them for the API (SQLite:
 * the read-only connection; PostgreSQL: Prisma, `?` parameters numbered); Prisma's nested include,
 * which loads the same thing level by level, is the oracle. On SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeIdOf } from "../../src/domain/names.ts";
import { openDatabase, type Db } from "../../src/store/database.ts";
import { openStore, Store } from "../../src/store/index.ts";
import { toCluster, toReplicationGroup } from "../../src/store/rows.ts";
import { storeDatabases, type TestDatabase } from "../helpers/databases.ts";
import { createDefaultSubnetGroup, groupSpec, portCounter, settings } from "./fixtures.ts";

let database: TestDatabase;
let db: Db;
let store: Store;
/** The same database as openStore() opens it for the API. */
let fast: Store;


const nodesInclude = { nodes: { orderBy: { nodeId: "asc" as const } } };
const groupsInclude = { nodeGroups: { orderBy: { nodeGroupId: "asc" as const }, include: { members: { orderBy: { id: "asc" as const }, include: nodesInclude } } } };

describe.each(storeDatabases())("on $name", ({ fresh }) => {
  beforeAll(async () => {
    database = await fresh();
    db = openDatabase(database.url);
    store = new Store(db, { range: [41000, 41999], isFree: async () => true });
    await createDefaultSubnetGroup(store);
    const port = portCounter(41000);
    // Members inserted out of order, a group with a failover record, a cluster with several nodes, one being removed.
    for (const id of ["beta", "alpha", "gamma"]) {
      const group = groupSpec(id, port, { members: [3, 1, 2] });
      await store.replicationGroups.create({ ...group, snapshotWindow: id === "alpha" ? "05:00-06:00" : undefined });
    }
    await store.failovers.elect({ replicationGroupId: "beta", nodeGroupId: "0001" }, { from: "beta-001", to: "beta-003", test: true }, undefined, []);
    await store.nodes.recordPlacement({ clusterId: "alpha-002", nodeId: "0001" }, { runtimeId: "42", admin: { host: "127.0.0.1", port: 41990 }, peer: { host: "alpha-002", port: 6379 } });
    const memcached = await store.cacheClusters.create(
      { ...settings, engine: "memcached", id: "cache", preferredAz: "us-east-1a", status: "creating", configEndpointPort: port(), nodes: [2, 1, 3].map((index) => ({ nodeId: nodeIdOf(index), az: "us-east-1a", hostPort: port() })) },
      { tags: { arn: "arn:cache", tags: [] }, events: [], maxNodes: 300 },
    );
    await store.cacheClusters.modify("cache", memcached.version, { numCacheNodes: 2, removeNodeIds: ["0002"] }, [], 300);
    ({ store: fast } = await openStore(database.url, { range: [41000, 41999], isFree: async () => true }));
  });

  afterAll(async () => {
    await fast.close();
    await store.close();
    await database.remove();
  });

  it("replication groups read in one statement equal Prisma's nested include, all and one by one", async () => {
    const expected = (await db.replicationGroup.findMany({ include: groupsInclude, orderBy: { id: "asc" } })).map(toReplicationGroup);
    expect(expected.map((group) => group.id)).toEqual(["alpha", "beta", "gamma"]);
    for (const reader of [store, fast]) {
      expect(await reader.replicationGroups.list()).toEqual(expected);
      for (const group of expected) expect(await reader.replicationGroups.get(group.id)).toEqual(group);
      expect(await reader.replicationGroups.get("nope")).toBeUndefined();
    }
    const beta = expected[1];
    expect(beta.nodeGroups[0].failover).toEqual({ phase: "promote", from: "beta-001", to: "beta-003", test: true });
    expect(beta.nodeGroups[0].members.map((member) => member.id)).toEqual(["beta-001", "beta-002", "beta-003"]);
  });

  it("cache clusters read in one statement equal Prisma's include, with the filters", async () => {
    const all = (await db.cacheCluster.findMany({ include: nodesInclude, orderBy: { id: "asc" } })).map(toCluster);
    for (const reader of [store, fast]) {
      expect(await reader.cacheClusters.list()).toEqual(all);
      expect(await reader.cacheClusters.list({ standaloneOnly: true })).toEqual(all.filter((cluster) => cluster.replicationGroupId === undefined));
      expect(await reader.cacheClusters.get("alpha-002")).toEqual(all.find((cluster) => cluster.id === "alpha-002"));
    }
    const cache = (await fast.cacheClusters.get("cache"))!;
    expect(cache.nodes.map((node) => [node.nodeId, node.desired])).toEqual([
      ["0001", "present"],
      ["0002", "absent"],
      ["0003", "present"],
    ]);
  });
});
