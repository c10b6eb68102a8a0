/**
 * A failover in progress is finished by the next leader (issue 14, item 2). Two control planes on
 * one PostgreSQL database and one data directory (process runtime). The leader is frozen (SIGSTOP:
 * its lock session stays open, so nobody else may lead) just as it would be after recording an
 * election: the record says the primary (member 001) is replaced by member 003, and the primary's
 * node is dead. Then the frozen leader is killed (SIGKILL ends its session), the other instance
 * takes the lease and carries out that recorded election: member 003, not the member its own
 * election would pick (002: both replicas hold the same offset, and ties go to the lowest id), is
 * promoted, 002 follows it, 001 is recovered as its replica, and no acknowledged write is lost.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.ts";
import { Store } from "../../src/store/index.ts";
import { removeEverything } from "../helpers/cleanup.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, endpointsOf, pidFileOf, portRange, redis, redisInfo, startNodeServer, waitForValue, type NodeServer } from "../helpers/nodes.ts";

const GROUP = "mid";
let first: NodeServer | undefined;
let second: NodeServer | undefined;
let databaseUrl: string;
let store: Store | undefined;
const sharedDir = mkdtempSync(path.join(os.tmpdir(), "ecl-handover-"));

beforeAll(async () => {
  databaseUrl = (await (await postgresqlServer()).freshDatabase()).url;
  const range = await portRange();
  const env = { DATABASE_URL: databaseUrl, ECL_DATA_DIR: sharedDir, ECL_HEALTH_INTERVAL_MS: "500", ECL_LEASE_POLL_MS: "200" };
  // One after the other: the first makes the data directory's CA, the second reads it.
  first = await startNodeServer("process", { tag: "hand1", portRange: range, env: { ...env, ECL_ENDPOINT_HOST: "127.0.0.1" } });
  second = await startNodeServer("process", { tag: "hand2", portRange: range, env: { ...env, ECL_ENDPOINT_HOST: "::1" } });
  store = new Store(openDatabase(databaseUrl), { range: [range[0], range[1]], isFree: async () => true });
});

afterAll(async () => {
  closeRedisClients();
  await store?.close();
  await second?.destroy();
  await first?.destroy();
  await removeEverything({ dataDir: sharedDir });
  await stopPostgresqlServer();
});

const leads = async (server: NodeServer): Promise<boolean> => (await (await fetch(`${server.server.url}/health`)).json()).leader === true;
const primaryOf = (group: any): string | undefined => group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary")?.CacheClusterId;

it("the next leader carries out the election the frozen leader recorded, with every acknowledged write", async () => {
  const [leader, follower] = await eventually(
    async () => {
      const both = [await leads(first!), await leads(second!)];
      return both.filter(Boolean).length === 1 && (both[0] ? [first!, second!] : [second!, first!]);
    },
    30_000,
    "one leader",
  );
  await follower.api.send("CreateReplicationGroup", { ReplicationGroupId: GROUP, ReplicationGroupDescription: "mid-failover", NumCacheClusters: 3, AutomaticFailoverEnabled: true });
  const group = await leader.api.waitGroup(GROUP);
  expect(primaryOf(group)).toBe(`${GROUP}-001`);
  const { primary, members } = endpointsOf(group);
  const client = redis(primary);
  for (let i = 0; i < 100; i++) expect(await client.set(`k${i}`, String(i))).toBe("OK");
  // Both replicas hold every write, at the same offset: the follower's own election would pick 002.
  const offsets = async () => Promise.all([`${GROUP}-002`, `${GROUP}-003`].map(async (id) => (await redisInfo(members[id].endpoint)).slave_repl_offset));
  const master = Number((await redisInfo(primary)).master_repl_offset);
  await eventually(async () => (await offsets()).every((offset) => Number(offset) === master), 30_000, "replicas caught up");

  // The leader freezes right after recording its election: 003 is to replace the dead primary.
  process.kill(leader.server.process.pid!, "SIGSTOP");
  await store!.failovers.elect({ replicationGroupId: GROUP, nodeGroupId: "0001" }, { from: `${GROUP}-001`, to: `${GROUP}-003`, test: false }, undefined, []);
  process.kill(pidFileOf(sharedDir, `${GROUP}-001-0001`)!, "SIGKILL");
  // Still frozen, it still holds the lease: nobody else acts yet.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await leads(follower)).toBe(false);
  expect(primaryOf(await follower.api.group(GROUP))).toBe(`${GROUP}-001`);

  await leader.server.kill();
  await eventually(() => leads(follower), 30_000, "the other instance leads");
  const after = await eventually(
    async () => {
      const current = await follower.api.group(GROUP);
      const settled = current.Status === "available" && current.NodeGroups[0].NodeGroupMembers.every((member: any) => member.CurrentRole !== undefined);
      return settled && primaryOf(current) !== `${GROUP}-001` && current;
    },
    60_000,
    "failed over by the next leader",
  );
  expect(primaryOf(after)).toBe(`${GROUP}-003`);
  const messages = (await follower.api.events("replication-group", GROUP)).map((event) => event.Message);
  expect(messages).toContain(`Failover from primary node ${GROUP}-001 to replica node ${GROUP}-003 completed`);
  await eventually(async () => (await follower.api.events("cache-cluster", `${GROUP}-001`)).some((event) => event.Message === "Finished recovery for cache nodes 0001"), 60_000, "001 recovered");

  // Every acknowledged write, through the next leader's primary endpoint and on both replicas.
  const { primary: newPrimary, members: now } = endpointsOf(await follower.api.group(GROUP));
  const reader = redis(newPrimary);
  await eventually(async () => (await reader.set("after", "1").catch(() => undefined)) === "OK", 30_000, "writes through the primary endpoint");
  expect(await reader.mget(...Array.from({ length: 100 }, (_, i) => `k${i}`))).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  for (const id of [`${GROUP}-001`, `${GROUP}-002`]) {
    expect(now[id].role).toBe("replica");
    await waitForValue(now[id].endpoint, "after", "1", 30_000);
    await waitForValue(now[id].endpoint, "k99", "99", 30_000);
  }
}, 240_000);
