/**
 * Two control planes on one PostgreSQL database and one data directory (process runtime): both
 * serve the API and the endpoint proxies (each on its own ECL_ENDPOINT_HOST: 127.0.0.1 and ::1,
 * the same ports), exactly one holds the leader lease and runs the controllers. A group created
 * through the follower is brought up by the leader and reached through the follower's primary
 * endpoint, which follows a failover the leader carries out. When the leader's lock session is
 * ended by the server (pg_terminate_backend), the other instance takes the lease and the former
 * leader goes back to waiting for it; after the new leader is killed (SIGKILL: the control plane is
 * one process, its nodes run in process groups of their own and keep running), the first instance
 * leads again without a restart, and fails over the group's primary when that is killed in turn.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { removeEverything } from "../helpers/cleanup.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";
import { eventually } from "../helpers/eventually.ts";
import {
  closeRedisClients,
  endpointsOf,
  failOverAndRecover,
  pidFileOf,
  portRange,
  redis,
  redisInfo,
  startNodeServer,
  waitForValue,
  type Endpoint,
  type NodeServer,
} from "../helpers/nodes.ts";

let first: NodeServer | undefined;
let second: NodeServer | undefined;
let databaseUrl: string;
const sharedDir = mkdtempSync(path.join(os.tmpdir(), "ecl-lease-"));

beforeAll(async () => {
  databaseUrl = (await (await postgresqlServer()).freshDatabase()).url;
  const range = await portRange();
  const env = { DATABASE_URL: databaseUrl, ECL_DATA_DIR: sharedDir, ECL_HEALTH_INTERVAL_MS: "500", ECL_LEASE_POLL_MS: "200" };
  // One after the other: the first makes the data directory's CA, the second reads it.
  first = await startNodeServer("process", { tag: "lease1", portRange: range, env: { ...env, ECL_ENDPOINT_HOST: "127.0.0.1" } });
  second = await startNodeServer("process", { tag: "lease2", portRange: range, env: { ...env, ECL_ENDPOINT_HOST: "::1" } });
});

afterAll(async () => {
  closeRedisClients();
  await second?.destroy();
  await first?.destroy();
  await removeEverything({ dataDir: sharedDir });
  await stopPostgresqlServer();
});

async function leads(server: NodeServer): Promise<boolean> {
  const health = await (await fetch(`${server.server.url}/health`)).json();
  return health.leader === true;
}

async function leaderMetric(server: NodeServer): Promise<string | undefined> {
  const text = await (await fetch(`${server.server.url}/metrics`)).text();
  return /^ecl_leader (\d)$/m.exec(text)?.[1];
}

/** The port of the node a primary endpoint forwards to, as that node reports it. */
async function portBehind(endpoint: Endpoint): Promise<number> {
  return Number((await redisInfo(endpoint, "server")).tcp_port);
}

/** Whether a SET through the endpoint succeeds now (the connection is closed either way). */
async function writes(endpoint: Endpoint, key: string, value: string): Promise<boolean> {
  const client = redis(endpoint);
  try {
    return (await client.set(key, value)) === "OK";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const primaryOf = (group: any): string | undefined => group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary")?.CacheClusterId;

let leader: NodeServer;
let follower: NodeServer;

it("exactly one instance leads, in /health and in ecl_leader", async () => {
  const roles = await eventually(
    async () => {
      const both = [await leads(first!), await leads(second!)];
      return both.some(Boolean) && both;
    },
    30_000,
    "a leader",
  );
  expect(roles.filter(Boolean)).toHaveLength(1);
  [leader, follower] = roles[0] ? [first!, second!] : [second!, first!];
  // Still one after several lease polls: the follower keeps failing pg_try_advisory_lock.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect([await leads(leader), await leads(follower)]).toEqual([true, false]);
  expect([await leaderMetric(leader), await leaderMetric(follower)]).toEqual(["1", "0"]);
});

it("a group created through the follower is brought up by the leader and served by both instances' endpoints", async () => {
  await follower.api.send("CreateReplicationGroup", { ReplicationGroupId: "led", ReplicationGroupDescription: "led", NumCacheClusters: 2, AutomaticFailoverEnabled: true });
  const group = await follower.api.waitGroup("led");
  const { primary, members } = endpointsOf(group);
  // Each instance gives its own endpoint address, on the ports recorded in the database.
  const leaderPrimary = endpointsOf(await leader.api.group("led")).primary;
  expect(primary.Port).toBe(leaderPrimary.Port);
  expect([follower.env.ECL_ENDPOINT_HOST, leader.env.ECL_ENDPOINT_HOST]).toEqual([primary.Address, leaderPrimary.Address]);
  expect(primary.Address).not.toBe(leaderPrimary.Address);

  // Through the follower's primary endpoint (it does not lead) to the primary the leader started:
  // the follower opens it from the store on its own sync, up to a lease poll after the group is available.
  await eventually(() => writes(primary, "before", "1"), 30_000, "a write through the follower's primary endpoint");
  await waitForValue(leaderPrimary, "before", "1");
  const primaryMember = Object.values(members).find((member) => member.role === "primary")!;
  expect(await portBehind(primary)).toBe(primaryMember.endpoint.Port);
  // Replication is asynchronous: the failover below may only promise what the replica already has.
  const replica = Object.values(members).find((member) => member.role === "replica")!;
  await waitForValue(replica.endpoint, "before", "1", 30_000);
});

it("after a failover carried out by the leader, the follower's primary endpoint reaches the new primary", async () => {
  const { oldPrimary, members } = await failOverAndRecover(leader.api, "led");
  const newPrimary = Object.entries(members).find(([, member]) => member.role === "primary")!;
  expect(newPrimary[0]).not.toBe(oldPrimary);
  const { primary } = endpointsOf(await follower.api.group("led"));
  // The follower learns of the new primary from the store, on its own endpoint sync.
  await eventually(async () => (await portBehind(primary).catch(() => 0)) === newPrimary[1].endpoint.Port, 30_000, "the follower's primary endpoint on the new primary");
  expect(await writes(primary, "promoted", "1")).toBe(true);
  expect((await redisInfo(primary)).role).toBe("master");
});

/** Ends the leader lease's lock session from outside, as a cut connection or the server would. */
async function terminateLockSession(): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      "SELECT pg_terminate_backend(pid) AS done FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()",
    );
    return rows.length;
  } finally {
    await admin.end();
  }
}

it("a leader whose lock session is ended stops leading, keeps serving the endpoints, and the other takes over", async () => {
  expect(await terminateLockSession()).toBe(1);
  // Both try the lease again at once, the former leader too: should it win, end its session again.
  await eventually(
    async () => {
      if ((await leads(follower)) && !(await leads(leader))) return true;
      if (await leads(leader)) await terminateLockSession();
      return false;
    },
    30_000,
    "the other instance leads",
  );
  // The former leader waits for the lease again, and still proxies.
  const { primary } = endpointsOf(await leader.api.group("led"));
  expect(await writes(primary, "after-handover", "1")).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect([await leads(leader), await leads(follower)]).toEqual([false, true]);
  [leader, follower] = [follower, leader];
});

it("after a kill -9 of the new leader the former one leads again without a restart, and fails over the primary", async () => {
  await leader.server.kill();
  await eventually(() => leads(follower), 30_000, "the former leader leads again");
  expect(leader.server.process.signalCode).toBe("SIGKILL");
  expect(await leaderMetric(follower)).toBe("1");

  const group = await follower.api.group("led");
  const { primary } = endpointsOf(group);
  await waitForValue(primary, "before", "1", 30_000);

  const oldPrimary = primaryOf(group)!;
  // Its process, as the shared data directory records it (the node was started by a leader's runtime).
  const pid = pidFileOf(sharedDir, `${oldPrimary}-0001`);
  expect(pid).toBeDefined();
  process.kill(pid!, "SIGKILL");
  // Carried out by controllers made anew when this instance took the lease again.
  const after = await eventually(
    async () => {
      const current = await follower.api.group("led");
      const newPrimary = primaryOf(current);
      return current.Status === "available" && newPrimary !== undefined && newPrimary !== oldPrimary && current;
    },
    60_000,
    "failed over by the leader of the second term",
  );
  await eventually(() => writes(endpointsOf(after).primary, "after", "2"), 30_000, "writes through the primary endpoint after the failover");
  await waitForValue(endpointsOf(after).primary, "before", "1", 10_000);
});
