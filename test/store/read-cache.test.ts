/**
 * Describe reads kept between database changes (store/read-cache.ts): a repeated read without a
 * write returns the very objects of the last one, a read after any committed write (through the
 * store's own writer or another connection to the file) sees that write, and the shared objects
 * cannot be changed by a caller. list() and get() are not cached: the controllers change what they read.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.ts";
import { Store } from "../../src/store/index.ts";
import { openReadConnection } from "../../src/store/read-connection.ts";
import { versionedCache } from "../../src/store/read-cache.ts";
import { freshDatabase } from "../helpers/database.ts";
import { createDefaultSubnetGroup, groupSpec, portCounter } from "./fixtures.ts";

let database: Awaited<ReturnType<typeof freshDatabase>>;
/** Prisma only: reads nothing from a cache. */
let plain: Store;
/** As openStore() makes it: the read-only connection and its cache. */
let cached: Store;
const ports = { range: [42000, 42999] as [number, number], isFree: async () => true };

beforeAll(async () => {
  database = await freshDatabase();
  plain = new Store(openDatabase(database.url), ports);
  await createDefaultSubnetGroup(plain);
  const port = portCounter(42000);
  for (const id of ["one", "two"]) await plain.replicationGroups.create(groupSpec(id, port));
  cached = new Store(openDatabase(database.url), ports, openReadConnection(database.url));
});

afterAll(async () => {
  await cached.close();
  await plain.close();
  database.remove();
});

it("a repeated read without a write returns the same objects, equal to Prisma's", async () => {
  const first = await cached.replicationGroups.listShared();
  expect(first).toEqual(await plain.replicationGroups.list());
  expect(await cached.replicationGroups.listShared()).toBe(first);
  const clusters = await cached.cacheClusters.listShared();
  expect(clusters).toEqual(await plain.cacheClusters.list());
  expect(await cached.cacheClusters.listShared()).toBe(clusters);
  // Different reads are different entries.
  expect((await cached.replicationGroups.listShared("one"))[0]?.id).toBe("one");
  expect((await cached.cacheClusters.listShared({ standaloneOnly: true }))).toEqual([]);
});

it("a write committed through the store's own writer is seen by the next read", async () => {
  const [before] = await cached.replicationGroups.listShared("one");
  await cached.replicationGroups.modify("one", before.version, { description: "changed by the same store" }, []);
  expect((await cached.replicationGroups.listShared("one"))[0].description).toBe("changed by the same store");
  expect((await cached.replicationGroups.listShared()).find((group) => group.id === "one")!.description).toBe("changed by the same store");
});

it("a write committed through another connection is seen by the next read", async () => {
  await cached.cacheClusters.listShared();
  await plain.nodes.setStatus({ clusterId: "two-002", nodeId: "0001" }, "failed", []);
  const [cluster] = await cached.cacheClusters.listShared({ id: "two-002" });
  expect(cluster.nodes[0].status).toBe("failed");
  expect((await cached.cacheClusters.listShared()).find((c) => c.id === "two-002")!.nodes[0].status).toBe("failed");
});

it("objects shared between readers cannot be changed; list() and get() still give each caller its own", async () => {
  const [group] = await cached.replicationGroups.listShared();
  const own = (await cached.replicationGroups.get(group.id))!;
  own.status = "changed by this caller only";
  expect((await cached.replicationGroups.list())[0]).not.toBe(group);
  expect(() => {
    (group as { description: string }).description = "x";
  }).toThrow(TypeError);
  expect(() => (group.nodeGroups[0].members as unknown[]).push({})).toThrow(TypeError);
  expect(() => {
    (group.nodeGroups[0].members[0].nodes[0] as { status: string }).status = "x";
  }).toThrow(TypeError);
  expect((await plain.replicationGroups.get(group.id))!.description).toBe(group.description);
});

it("a failed read is not remembered, and a new version starts afresh", async () => {
  let version = 1;
  const cache = versionedCache(() => version);
  await expect(cache.read("k", () => Promise.reject(new Error("busy")))).rejects.toThrow("busy");
  expect(await cache.read("k", async () => ["loaded"])).toEqual(["loaded"]);
  expect(await cache.read("k", async () => ["again"])).toEqual(["loaded"]);
  version = 2;
  expect(await cache.read("k", async () => ["again"])).toEqual(["again"]);
});
