/**
 * Two control planes on one PostgreSQL database and one data directory (process runtime): both
 * serve the API, exactly one holds the leader lease and runs the controllers and the endpoints. A
 * group created through the follower is brought up by the leader; after the leader is killed
 * (SIGKILL: the control plane is one process, its nodes run in process groups of their own and
 * keep running), the follower takes the lease, serves the group's endpoints, and fails over the
 * group's primary when that is killed in turn.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { removeEverything } from "../helpers/cleanup.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, endpointsOf, pidFileOf, portRange, redis, startNodeServer, waitForValue, type NodeServer } from "../helpers/nodes.ts";

let first: NodeServer | undefined;
let second: NodeServer | undefined;
const sharedDir = mkdtempSync(path.join(os.tmpdir(), "ecl-lease-"));

beforeAll(async () => {
  const { url } = await (await postgresqlServer()).freshDatabase();
  const range = await portRange();
  const env = { DATABASE_URL: url, ECL_DATA_DIR: sharedDir, ECL_HEALTH_INTERVAL_MS: "500" };
  // One after the other: the first makes the data directory's CA, the second reads it.
  first = await startNodeServer("process", { tag: "lease1", portRange: range, env });
  second = await startNodeServer("process", { tag: "lease2", portRange: range, env });
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
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  expect([await leads(leader), await leads(follower)]).toEqual([true, false]);
  expect([await leaderMetric(leader), await leaderMetric(follower)]).toEqual(["1", "0"]);
});

it("a group created through the follower is brought up by the leader", async () => {
  await follower.api.send("CreateReplicationGroup", { ReplicationGroupId: "led", ReplicationGroupDescription: "led", NumCacheClusters: 2, AutomaticFailoverEnabled: true });
  const group = await follower.api.waitGroup("led");
  const { primary, members } = endpointsOf(group);
  const client = redis(primary);
  expect(await client.set("before", "1")).toBe("OK");
  // Replication is asynchronous: the failover below may only promise what the replica already has.
  const replica = Object.values(members).find((member) => member.role === "replica")!;
  await waitForValue(replica.endpoint, "before", "1", 30_000);
});

it("after a kill -9 of the leader the follower takes the lease, serves the endpoints and fails over the primary", async () => {
  await leader.server.kill();
  await eventually(() => leads(follower), 30_000, "the follower leads");
  expect(leader.server.process.signalCode).toBe("SIGKILL");

  const group = await follower.api.group("led");
  const { primary } = endpointsOf(group);
  // The primary endpoint is served again, now by the new leader, and still reaches the data.
  await waitForValue(primary, "before", "1", 30_000);

  const oldPrimary = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
  // Its process, as the shared data directory records it (the node was started by the former leader).
  const pid = pidFileOf(sharedDir, `${oldPrimary}-0001`);
  expect(pid).toBeDefined();
  process.kill(pid!, "SIGKILL");
  const after = await eventually(
    async () => {
      const current = await follower.api.group("led");
      const newPrimary = current.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary")?.CacheClusterId;
      return current.Status === "available" && newPrimary !== undefined && newPrimary !== oldPrimary && current;
    },
    60_000,
    "failed over by the new leader",
  );
  await eventually(
    async () => {
      const client = redis(endpointsOf(after).primary);
      try {
        return (await client.set("after", "2")) === "OK";
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    },
    30_000,
    "writes through the primary endpoint after the failover",
  );
  await waitForValue(endpointsOf(after).primary, "before", "1", 10_000);
});
