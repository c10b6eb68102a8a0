/**
 * Automatic backups on real nodes, with the test clock (ECL_TEST_CLOCK=true, POST
 * /_elasticache-local/clock): a group with SnapshotRetentionLimit and SnapshotWindow gets one
 * automated snapshot per window, with its real data (a restore from it has every key), never a
 * second one in the same window (after a restart of the control plane, or after the snapshot was
 * deleted by hand); snapshots past the retention are pruned; deleting the group removes its
 * automated snapshots and keeps the manual ones. The rules of the settings with AWS's codes, and
 * a standalone cluster on the Docker runtime; on the system clock (production) the controller's own
 * interval passes back up a cluster whose window is now, and the clock route does not exist. Calls go through the AWS CLI, the AWS SDK for
 * JavaScript, boto3 and REST.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, awsCli, CLUSTERS, failure, GROUPS } from "../helpers/clients.ts";
import { boto3 } from "../helpers/boto3.ts";
import { eventually } from "../helpers/eventually.ts";
import { waitSnapshot } from "../helpers/snapshots.ts";
import { closeRedisClients, endpointsOf, redis, redisCommand, startNodeServer, type NodeServer } from "../helpers/nodes.ts";
import { startServer } from "../helpers/server.ts";

afterAll(() => closeRedisClients());

async function setClock(target: NodeServer, now: string): Promise<void> {
  const answer = await target.api.ok("POST", "/_elasticache-local/clock", { now });
  expect(Date.parse(answer.now)).toBeGreaterThanOrEqual(Date.parse(now));
}

/** Names of the automated snapshots of a source, as DescribeSnapshots (SnapshotSource system) lists them. */
async function automatedOf(target: NodeServer, filter: Record<string, string>): Promise<string[]> {
  const { Snapshots } = await target.api.send("DescribeSnapshots", { ...filter, SnapshotSource: "system" });
  return Snapshots.map((snapshot: any) => snapshot.SnapshotName).sort();
}

const gone = (target: NodeServer, name: string) =>
  eventually(async () => (await target.api.rest("GET", `/v1/snapshots/${name}`)).status === 404, 30_000, `snapshot ${name} gone`);

describe("automatic backups of a replication group (process runtime)", () => {
  let target: NodeServer;
  const firstName = "automatic.daily-2030-01-10-03-10";

  beforeAll(async () => {
    target = await startNodeServer("process", { tag: "autobk", env: { ECL_TEST_CLOCK: "true" } });
    await awsCli(target.server.url, "CreateReplicationGroup", {
      ReplicationGroupId: "daily",
      ReplicationGroupDescription: "backed up daily",
      NumCacheClusters: 2,
      SnapshotRetentionLimit: 2,
      SnapshotWindow: "03:00-04:00",
    });
    const group = await target.api.waitGroup("daily");
    const client = redis(endpointsOf(group).primary);
    await client.set("greeting", "hello");
    await client.hset("h", { a: "1", b: "2" });
    for (let i = 0; i < 200; i++) await client.set(`bulk:${i}`, `v${i}`);
  });
  afterAll(async () => target?.destroy());

  it("Describe reports the retention and the window (AWS SDK)", async () => {
    const { ReplicationGroups } = await target.api.send("DescribeReplicationGroups", { ReplicationGroupId: "daily" });
    expect(ReplicationGroups[0]).toMatchObject({ SnapshotRetentionLimit: 2, SnapshotWindow: "03:00-04:00", SnapshottingClusterId: "daily-002" });
  });

  it("before the window nothing is taken; inside it one automated snapshot with AWS's name, source and event", async () => {
    await setClock(target, "2030-01-10T02:30:00Z");
    expect(await automatedOf(target, { ReplicationGroupId: "daily" })).toEqual([]);
    await setClock(target, "2030-01-10T03:10:00Z");
    expect(await automatedOf(target, { ReplicationGroupId: "daily" })).toEqual([firstName]);
    const snapshot = await waitSnapshot(target, firstName);
    expect(snapshot).toMatchObject({ SnapshotSource: "automated", ReplicationGroupId: "daily", SnapshotRetentionLimit: 2, SnapshotWindow: "03:00-04:00" });
    expect(snapshot.NodeSnapshots[0].CacheClusterId).toBe("daily-002");
    await target.api.waitGroup("daily");
    const messages = (await target.api.events("replication-group", "daily")).map((event) => event.Message);
    expect(messages).toContain(`Snapshot succeeded for snapshot with ID '${firstName}' of replication group with ID 'daily'`);
    // Later in the same window: still one.
    await setClock(target, "2030-01-10T03:20:00Z");
    expect(await automatedOf(target, { ReplicationGroupId: "daily" })).toEqual([firstName]);
  });

  it("the automated snapshot holds the group's data: a group restored from it (boto3) has every key", async () => {
    const reply = await boto3(target.server.url, "CreateReplicationGroup", { ReplicationGroupId: "from-auto", ReplicationGroupDescription: "r", SnapshotName: firstName });
    expect(reply.ok.ReplicationGroup.Status).toBe("creating");
    const primary = endpointsOf(await target.api.waitGroup("from-auto")).primary;
    expect(await redisCommand(primary, "GET", "greeting")).toBe("hello");
    expect(await redisCommand(primary, "HGET", "h", "b")).toBe("2");
    expect(await redisCommand(primary, "DBSIZE")).toBe(202);
  });

  it("a restarted control plane takes no second snapshot in the same window", async () => {
    await target.restart();
    await target.api.waitGroup("daily");
    await setClock(target, "2030-01-10T03:40:00Z");
    expect(await automatedOf(target, { ReplicationGroupId: "daily" })).toEqual([firstName]);
  });

  it("the next day's window takes the next one; deleted by hand, it is not taken again in that window", async () => {
    await setClock(target, "2030-01-11T03:05:00Z");
    const second = "automatic.daily-2030-01-11-03-05";
    expect(await automatedOf(target, { ReplicationGroupId: "daily" })).toEqual([firstName, second]);
    await waitSnapshot(target, second);
    await target.api.waitGroup("daily");
    await target.api.send("DeleteSnapshot", { SnapshotName: second });
    await gone(target, second);
    await setClock(target, "2030-01-11T03:30:00Z");
    expect(await automatedOf(target, { ReplicationGroupId: "daily" })).toEqual([firstName]);
  });

  it("snapshots older than the retention (2 days) are deleted, files and all", async () => {
    await setClock(target, "2030-01-12T03:30:00Z");
    const third = "automatic.daily-2030-01-12-03-30";
    await waitSnapshot(target, third);
    await gone(target, firstName);
    expect(await automatedOf(target, { ReplicationGroupId: "daily" })).toEqual([third]);
  });

  it("AWS's rules and codes for the settings; turning backups on needs SnapshottingClusterId (AWS SDK, AWS CLI)", async () => {
    const refused: [string, Record<string, unknown>, string][] = [
      ["CreateReplicationGroup", { ReplicationGroupId: "bad1", ReplicationGroupDescription: "d", SnapshotWindow: "05:30-06:30" }, "InvalidParameterValue"],
      ["CreateReplicationGroup", { ReplicationGroupId: "bad2", ReplicationGroupDescription: "d", SnapshotWindow: "03:00-03:30" }, "InvalidParameterValue"],
      ["CreateReplicationGroup", { ReplicationGroupId: "bad3", ReplicationGroupDescription: "d", SnapshotRetentionLimit: 36 }, "InvalidParameterValue"],
      ["CreateReplicationGroup", { ReplicationGroupId: "bad4", ReplicationGroupDescription: "d", SnapshotWindow: "3am" }, "InvalidParameterValue"],
      ["CreateCacheCluster", { CacheClusterId: "bad5", Engine: "memcached", SnapshotRetentionLimit: 1 }, "InvalidParameterValue"],
      ["CreateCacheCluster", { CacheClusterId: "bad6", Engine: "redis", SnapshotWindow: "10:00-11:00", PreferredMaintenanceWindow: "tue:10:30-tue:11:30" }, "InvalidParameterValue"],
      ["ModifyReplicationGroup", { ReplicationGroupId: "from-auto", SnapshotRetentionLimit: 1 }, "InvalidParameterCombination"],
      ["ModifyReplicationGroup", { ReplicationGroupId: "from-auto", SnapshotRetentionLimit: 1, SnapshottingClusterId: "daily-001" }, "InvalidParameterValue"],
      ["ModifyReplicationGroup", { ReplicationGroupId: "daily", SnapshotWindow: "04:30-05:30" }, "InvalidParameterValue"],
    ];
    for (const [operation, input, code] of refused) {
      const error = await failure(target.api.send(operation, input));
      expect([error.code, error.status], `${operation} ${JSON.stringify(input)}`).toEqual([code, 400]);
    }
    for (const id of ["bad1", "bad2", "bad3", "bad4"]) expect(await target.api.groupExists(id)).toBe(false);
    for (const id of ["bad5", "bad6"]) expect((await target.api.rest("GET", `${CLUSTERS}/${id}`)).status).toBe(404);

    await awsCli(target.server.url, "ModifyReplicationGroup", {
      ReplicationGroupId: "from-auto",
      SnapshotRetentionLimit: 1,
      SnapshottingClusterId: "from-auto-001",
      SnapshotWindow: "12:00-13:00",
      ApplyImmediately: true,
    });
    expect(await target.api.group("from-auto")).toMatchObject({ SnapshotRetentionLimit: 1, SnapshotWindow: "12:00-13:00", SnapshottingClusterId: expect.stringMatching(/^from-auto-00[12]$/) });
  });

  it("a group's delete removes its automated snapshots and keeps its manual ones", async () => {
    await target.api.ok("POST", "/v1/snapshots", { ReplicationGroupId: "daily", SnapshotName: "daily-manual" });
    await waitSnapshot(target, "daily-manual");
    await target.api.waitGroup("daily");
    await target.api.ok("DELETE", `${GROUPS}/daily`);
    await eventually(async () => !(await target.api.groupExists("daily")), 60_000, "group daily deleted");
    await gone(target, "automatic.daily-2030-01-12-03-30");
    const { Snapshots } = await target.api.send("DescribeSnapshots", { ReplicationGroupId: "daily" });
    expect(Snapshots.map((snapshot: any) => [snapshot.SnapshotName, snapshot.SnapshotSource])).toEqual([["daily-manual", "manual"]]);
  });
});

describe("automatic backups of a standalone cluster (Docker runtime)", () => {
  let target: NodeServer;
  beforeAll(async () => {
    target = await startNodeServer("docker", { tag: "autobkd", env: { ECL_TEST_CLOCK: "true" } });
  });
  afterAll(async () => target?.destroy());

  it("one automated snapshot in the window that restores; retention 0 deletes it; the cluster's delete keeps a manual one", async () => {
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "solo", Engine: "redis", SnapshotRetentionLimit: 1, SnapshotWindow: "22:00-23:00" });
    const endpoint = (await target.api.cluster("solo")).CacheNodes[0].Endpoint;
    await redisCommand(endpoint, "SET", "kept", "across");
    await setClock(target, "2030-02-01T22:15:00Z");
    const name = "automatic.solo-2030-02-01-22-15";
    expect(await automatedOf(target, { CacheClusterId: "solo" })).toEqual([name]);
    expect(await waitSnapshot(target, name)).toMatchObject({ CacheClusterId: "solo", SnapshotSource: "automated" });
    await target.api.waitCluster("solo");

    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "solo-restored", Engine: "redis", SnapshotName: name });
    expect(await redisCommand((await target.api.cluster("solo-restored")).CacheNodes[0].Endpoint, "GET", "kept")).toBe("across");

    // Backups off: retention 0 keeps no automated snapshot.
    await target.api.send("ModifyCacheCluster", { CacheClusterId: "solo", SnapshotRetentionLimit: 0 });
    await setClock(target, "2030-02-01T22:30:00Z");
    await gone(target, name);

    await target.api.send("ModifyCacheCluster", { CacheClusterId: "solo", SnapshotRetentionLimit: 3 });
    await setClock(target, "2030-02-02T22:01:00Z");
    await waitSnapshot(target, "automatic.solo-2030-02-02-22-01");
    await target.api.waitCluster("solo");
    await target.api.send("CreateSnapshot", { CacheClusterId: "solo", SnapshotName: "solo-manual" });
    await waitSnapshot(target, "solo-manual");
    await target.api.waitCluster("solo");
    await target.api.send("DeleteCacheCluster", { CacheClusterId: "solo" });
    await gone(target, "automatic.solo-2030-02-02-22-01");
    expect((await target.api.ok("GET", "/v1/snapshots/solo-manual")).Snapshot.SnapshotSource).toBe("manual");
  });
});

describe("on the system clock (production)", () => {
  it("the test route does not exist; the controller's own passes back up a cluster whose window is now", async () => {
    const server = await startServer({
      env: { ECL_RUNTIME: "process", ECL_INSTANCE: `clock${process.pid}`, ECL_PORT_RANGE: "25910-25919", ECL_BACKUP_INTERVAL_MS: "300" },
    });
    try {
      const response = await fetch(`${server.url}/_elasticache-local/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"now":"2030-01-01T00:00:00Z"}' });
      expect(response.status).toBe(404);
      // A window from 5 minutes ago for 2 hours, and a maintenance window half a day away from it.
      const hhmm = (date: Date) => date.toISOString().slice(11, 16);
      const now = Date.now();
      const window = `${hhmm(new Date(now - 5 * 60_000))}-${hhmm(new Date(now + 115 * 60_000))}`;
      // Each end carries its own day: an hour from 23:30 ends the next day at 00:30.
      const away = new Date(now + 12 * 3_600_000);
      const awayEnd = new Date(away.getTime() + 60 * 60_000);
      const day = (date: Date) => ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][date.getUTCDay()];
      const maintenance = `${day(away)}:${hhmm(away)}-${day(awayEnd)}:${hhmm(awayEnd)}`;
      const api = new Api(server.url);
      await api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "live", Engine: "redis", SnapshotRetentionLimit: 1, SnapshotWindow: window, PreferredMaintenanceWindow: maintenance });
      const name = await eventually(async () => {
        const { Snapshots } = await api.ok("GET", "/v1/snapshots?CacheClusterId=live&SnapshotSource=system");
        return Snapshots[0]?.SnapshotStatus === "available" ? (Snapshots[0].SnapshotName as string) : undefined;
      }, 60_000, "an automated snapshot of live");
      expect(name).toMatch(/^automatic\.live-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/);
      api.close();
    } finally {
      await server.cleanup();
    }
  });
});
