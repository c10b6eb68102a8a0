/**
 * Snapshots with real data, both runtimes: typed keys with TTLs written to a real group, a
 * snapshot taken (from a replica, BGSAVE + the runtime's file export), restored into a new group
 * and a standalone cluster and compared key by key on every node; a snapshot taken while a client
 * writes is a consistent prefix of its writes; CopySnapshot, export to the S3 folder and a
 * restore from SnapshotArns; DeleteSnapshot removes the files; AWS's errors for bad input. Calls
 * go through the AWS CLI, the AWS SDK for JavaScript, boto3 and plain REST.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, failure, GROUPS, CLUSTERS } from "../helpers/clients.ts";
import { boto3 } from "../helpers/boto3.ts";
import { eventually } from "../helpers/eventually.ts";
import { valueOf, waitSnapshot } from "../helpers/snapshots.ts";
import { closeRedisClients, endpointsOf, redis, redisCommand, runtimesUnderTest, startNodeServer, type Endpoint, type NodeServer } from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();

afterAll(() => closeRedisClients());

/** Keys of every type, some with TTLs. */
async function writeTypedKeys(endpoint: Endpoint): Promise<void> {
  const client = redis(endpoint);
  await client.set("s:plain", "hello");
  await client.set("s:ttl", "expiring", "PX", 600_000);
  await client.hset("h:user", { name: "ada", born: "1815" });
  await client.rpush("l:queue", "a", "b", "c");
  await client.sadd("set:tags", "x", "y", "z");
  await client.zadd("z:scores", 1, "one", 2.5, "two-and-a-half");
  await client.xadd("x:stream", "1-1", "field", "value");
  await client.pexpire("h:user", 900_000);
  for (let i = 0; i < 500; i++) await client.set(`bulk:${i}`, `value-${i}`);
}

/** Everything of a node as comparable text: type, value and whether it expires, key by key. */
async function dumpKeys(endpoint: Endpoint): Promise<Record<string, { type: string; value: unknown; ttl: "none" | "set" }>> {
  const client = redis(endpoint);
  const keys = ((await client.keys("*")) as string[]).sort();
  const out: Record<string, { type: string; value: unknown; ttl: "none" | "set" }> = {};
  for (const key of keys) {
    const type = await client.type(key);
    const value = await valueOf(client, key, type);
    const pttl = await client.pttl(key);
    out[key] = { type, value, ttl: pttl > 0 ? "set" : "none" };
  }
  return out;
}

describe.each(RUNTIMES)("snapshots and restore on real nodes (%s runtime)", (runtime) => {
  let target: NodeServer;
  let source: any;
  let expected: Awaited<ReturnType<typeof dumpKeys>>;

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: "snap" });
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "source", ReplicationGroupDescription: "data", NumCacheClusters: 2 });
    source = await target.api.waitGroup("source");
    await writeTypedKeys(endpointsOf(source).primary);
    expected = await dumpKeys(endpointsOf(source).primary);
  });
  afterAll(async () => target?.destroy());

  it("CreateSnapshot (AWS CLI) takes the file from the replica; the group is snapshotting, then available; AWS's events", async () => {
    const created = await awsCli(target.server.url, "CreateSnapshot", { ReplicationGroupId: "source", SnapshotName: "first" });
    expect(created.Snapshot).toMatchObject({ SnapshotName: "first", SnapshotStatus: "creating", SnapshotSource: "manual", ReplicationGroupId: "source" });
    expect(["snapshotting", "available"]).toContain((await target.api.group("source")).Status);
    const snapshot = await waitSnapshot(target, "first");
    expect(snapshot.NodeSnapshots).toHaveLength(1);
    expect(snapshot.NodeSnapshots[0]).toMatchObject({ CacheClusterId: "source-002", NodeGroupId: "0001", CacheNodeId: "0001" });
    expect(snapshot.NodeSnapshots[0].CacheSize).toMatch(/^\d+\.\d{3} MB$/);
    expect(snapshot.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:snapshot:first");
    expect((await target.api.waitGroup("source")).Status).toBe("available");
    expect(existsSync(path.join(target.dataDir, "snapshots", "first", "0001.rdb"))).toBe(true);
    const messages = (await target.api.events("replication-group", "source")).map((event) => event.Message);
    expect(messages).toContain("Snapshot succeeded for snapshot with ID 'first' of replication group with ID 'source'");
  });

  it("DescribeSnapshots (AWS SDK) filters by group and source, shows the node group config, pages", async () => {
    const all = await target.api.send("DescribeSnapshots", { ReplicationGroupId: "source", ShowNodeGroupConfig: true });
    expect(all.Snapshots.map((s: any) => s.SnapshotName)).toEqual(["first"]);
    expect(all.Snapshots[0].NodeSnapshots[0].NodeGroupConfiguration).toMatchObject({ NodeGroupId: "0001", Slots: "0-16383", ReplicaCount: 1 });
    expect((await target.api.send("DescribeSnapshots", { SnapshotSource: "system" })).Snapshots).toEqual([]);
    expect((await target.api.send("DescribeSnapshots", { SnapshotSource: "user" })).Snapshots).toHaveLength(1);
    expect((await target.api.send("DescribeSnapshots", { CacheClusterId: "source-002" })).Snapshots).toHaveLength(1);
    const missing = await failure(target.api.send("DescribeSnapshots", { SnapshotName: "nope" }));
    expect([missing.code, missing.status]).toEqual(["SnapshotNotFoundFault", 404]);
  });

  it("a group restored with SnapshotName (boto3) has every key, type, value and TTL, on the primary and the replica", async () => {
    const reply = await boto3(target.server.url, "CreateReplicationGroup", {
      ReplicationGroupId: "restored",
      ReplicationGroupDescription: "from first",
      NumCacheClusters: 2,
      SnapshotName: "first",
    });
    expect(reply.ok.ReplicationGroup.Status).toBe("creating");
    const group = await target.api.waitGroup("restored");
    const { primary, members } = endpointsOf(group);
    expect(await dumpKeys(primary)).toEqual(expected);
    const replica = Object.values(members).find((member) => member.role === "replica")!.endpoint;
    await eventually(async () => Object.keys(await dumpKeys(replica)).length === Object.keys(expected).length, 20_000, "replica synced");
    expect(await dumpKeys(replica)).toEqual(expected);
    const ttl = await redisCommand(primary, "PTTL", "s:ttl");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it("a standalone cluster restored with SnapshotName (REST) has the data; its own snapshot restores too", async () => {
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "single", Engine: "redis", SnapshotName: "first" });
    const cluster = await target.api.cluster("single");
    const endpoint = cluster.CacheNodes[0].Endpoint;
    expect(await dumpKeys(endpoint)).toEqual(expected);
    await redisCommand(endpoint, "SET", "only-in-single", "1");
    await target.api.ok("POST", "/v1/snapshots", { CacheClusterId: "single", SnapshotName: "of-single" });
    const snapshot = await waitSnapshot(target, "of-single");
    expect(snapshot).toMatchObject({ CacheClusterId: "single", NumCacheNodes: 1 });
    expect((await target.api.cluster("single")).CacheClusterStatus).toBe("available");
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "single-copy", Engine: "redis", SnapshotName: "of-single" });
    const copy = await target.api.cluster("single-copy");
    expect(await redisCommand(copy.CacheNodes[0].Endpoint, "GET", "only-in-single")).toBe("1");
  });

  it("a snapshot taken while a client writes holds a prefix of its writes, with no gap", async () => {
    const { primary } = endpointsOf(source);
    const client = redis(primary);
    let stop = false;
    let written = 0;
    const writer = (async () => {
      while (!stop) await client.set(`seq:${written++}`, "x");
    })();
    await eventually(() => written > 200, 10_000, "writes under way");
    await target.api.send("CreateSnapshot", { ReplicationGroupId: "source", SnapshotName: "while-writing" });
    await waitSnapshot(target, "while-writing");
    stop = true;
    await writer;
    await target.api.ok("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: "consistent", ReplicationGroupDescription: "c", SnapshotName: "while-writing" });
    const restored = redis(endpointsOf(await target.api.group("consistent")).primary);
    const seq = ((await restored.keys("seq:*")) as string[]).map((key) => Number(key.slice(4))).sort((a, b) => a - b);
    expect(seq.length).toBeGreaterThan(200);
    expect(seq).toEqual(Array.from({ length: seq.length }, (_, index) => index));
  });

  it("a snapshot taken from a replica cut off from its primary waits for it: it holds every write acknowledged before it was asked for", async () => {
    const { primary, members } = endpointsOf(source);
    const node = (role: string) => Object.values(members).find((member) => member.role === role)!.endpoint;
    // A wrong masterauth keeps the replica from logging in again once its link is cut (the
    // primary has no password, so its AUTH fails), until the test puts it back.
    await redisCommand(node("replica"), "CONFIG", "SET", "masterauth", "not-the-password");
    expect(await redisCommand(node("primary"), "CLIENT", "KILL", "TYPE", "replica")).toBe(1);
    const client = redis(primary);
    for (let i = 0; i < 100; i++) await client.set(`cut-off:${i}`, `v${i}`);
    await target.api.send("CreateSnapshot", { ReplicationGroupId: "source", SnapshotName: "cut-off" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await target.api.ok("GET", "/v1/snapshots/cut-off")).Snapshot.SnapshotStatus).toBe("creating");
    await redisCommand(node("replica"), "CONFIG", "SET", "masterauth", "");
    await waitSnapshot(target, "cut-off");
    await target.api.ok("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: "from-cut-off", ReplicationGroupDescription: "r", SnapshotName: "cut-off" });
    const restored = redis(endpointsOf(await target.api.group("from-cut-off")).primary);
    expect(((await restored.keys("cut-off:*")) as string[]).length).toBe(100);
    expect(await restored.get("cut-off:99")).toBe("v99");
  });

  it("CopySnapshot copies the files; with TargetBucket it exports <name>-0001.rdb, which SnapshotArns restores", async () => {
    const copy = await target.api.send("CopySnapshot", { SourceSnapshotName: "first", TargetSnapshotName: "first-copy" });
    expect(copy.Snapshot.SnapshotStatus).toBe("copying");
    await waitSnapshot(target, "first-copy");
    expect(existsSync(path.join(target.dataDir, "snapshots", "first-copy", "0001.rdb"))).toBe(true);

    const noBucket = await failure(target.api.send("CopySnapshot", { SourceSnapshotName: "first", TargetSnapshotName: "exported", TargetBucket: "no-such-bucket" }));
    expect(noBucket.code).toBe("InvalidParameterValue");
    mkdirSync(path.join(target.dataDir, "s3", "backups"), { recursive: true });
    await awsCli(target.server.url, "CopySnapshot", { SourceSnapshotName: "first", TargetSnapshotName: "exported", TargetBucket: "backups" });
    expect(readdirSync(path.join(target.dataDir, "s3", "backups"))).toEqual(["exported-0001.rdb"]);

    await target.api.send("CreateCacheCluster", { CacheClusterId: "from-s3", Engine: "redis", SnapshotArns: ["arn:aws:s3:::backups/exported-0001.rdb"] });
    const cluster = await target.api.waitCluster("from-s3");
    expect(await dumpKeys(cluster.CacheNodes[0].Endpoint)).toEqual(expected);
    const missing = await failure(target.api.send("CreateCacheCluster", { CacheClusterId: "from-s3-2", Engine: "redis", SnapshotArns: ["arn:aws:s3:::backups/none.rdb"] }));
    expect(missing.code).toBe("InvalidParameterValue");
    const escape = await failure(target.api.send("CreateCacheCluster", { CacheClusterId: "from-s3-3", Engine: "redis", SnapshotArns: ["arn:aws:s3:::backups/../../elasticache-local.db"] }));
    expect(escape.code).toBe("InvalidParameterValue");
  });

  it("DeleteSnapshot (REST) removes the row and the files; the copy stays", async () => {
    const deleted = await target.api.ok("DELETE", "/v1/snapshots/first");
    expect(deleted.Snapshot.SnapshotStatus).toBe("deleting");
    await eventually(async () => (await target.api.rest("GET", "/v1/snapshots/first")).status === 404, 20_000, "snapshot gone");
    expect(existsSync(path.join(target.dataDir, "snapshots", "first"))).toBe(false);
    expect((await target.api.ok("GET", "/v1/snapshots/first-copy")).Snapshot.SnapshotStatus).toBe("available");
  });

  it("bad input gets AWS's codes: Memcached, unknown sources, bad names, duplicates, unavailable snapshots", async () => {
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "mc", Engine: "memcached" });
    const cases: [Record<string, unknown>, string, number][] = [
      [{ CacheClusterId: "mc", SnapshotName: "m" }, "SnapshotFeatureNotSupportedFault", 400],
      [{ ReplicationGroupId: "nope", SnapshotName: "m" }, "ReplicationGroupNotFoundFault", 404],
      [{ CacheClusterId: "nope", SnapshotName: "m" }, "CacheClusterNotFound", 404],
      [{ ReplicationGroupId: "source", SnapshotName: "bad--name" }, "InvalidParameterValue", 400],
      [{ ReplicationGroupId: "source", SnapshotName: "1st" }, "InvalidParameterValue", 400],
      [{ ReplicationGroupId: "source", SnapshotName: "first-copy" }, "SnapshotAlreadyExistsFault", 400],
      [{ ReplicationGroupId: "source", CacheClusterId: "single", SnapshotName: "x" }, "InvalidParameterCombination", 400],
      [{ SnapshotName: "x" }, "MissingParameter", 400],
    ];
    for (const [input, code, status] of cases) {
      const response = await target.api.rest("POST", "/v1/snapshots", input);
      expect([response.body.Error?.Code, response.status], JSON.stringify(input)).toEqual([code, status]);
    }
    const restoreMissing = await failure(target.api.send("CreateReplicationGroup", { ReplicationGroupId: "r2", ReplicationGroupDescription: "r", SnapshotName: "nope" }));
    expect([restoreMissing.code, restoreMissing.status]).toEqual(["SnapshotNotFoundFault", 404]);
    const memcachedRestore = await failure(target.api.send("CreateCacheCluster", { CacheClusterId: "mc2", Engine: "memcached", SnapshotName: "first-copy" }));
    expect(memcachedRestore.code).toBe("SnapshotFeatureNotSupportedFault");
    const deleteMissing = await failure(target.api.send("DeleteSnapshot", { SnapshotName: "nope" }));
    expect([deleteMissing.code, deleteMissing.status]).toEqual(["SnapshotNotFoundFault", 404]);
    // Nothing half-written by the refusals.
    expect((await target.api.rest("GET", `${GROUPS}/r2`)).status).toBe(404);
    expect((await target.api.rest("GET", `${CLUSTERS}/mc2`)).status).toBe(404);
  });

  it("FinalSnapshotIdentifier (AWS SDK, AWS CLI) takes a last snapshot before the nodes go; manual snapshots stay", async () => {
    await target.api.send("DeleteReplicationGroup", { ReplicationGroupId: "restored", FinalSnapshotIdentifier: "restored-final" });
    await eventually(async () => !(await target.api.groupExists("restored")), 60_000, "group restored deleted");
    const final = await waitSnapshot(target, "restored-final");
    expect(final).toMatchObject({ ReplicationGroupId: "restored", SnapshotSource: "manual" });
    await awsCli(target.server.url, "DeleteCacheCluster", { CacheClusterId: "single-copy", FinalSnapshotIdentifier: "single-final" });
    await eventually(async () => (await target.api.rest("GET", `${CLUSTERS}/single-copy`)).status === 404, 60_000, "cluster single-copy deleted");
    await waitSnapshot(target, "single-final");
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "from-final", Engine: "redis", SnapshotName: "restored-final" });
    expect(await dumpKeys((await target.api.cluster("from-final")).CacheNodes[0].Endpoint)).toEqual(expected);
    const names = (await target.api.send("DescribeSnapshots", {})).Snapshots.map((s: any) => s.SnapshotName);
    expect(names).toEqual(expect.arrayContaining(["first-copy", "restored-final", "single-final", "while-writing"]));
    const taken = await failure(target.api.send("DeleteCacheCluster", { CacheClusterId: "from-final", FinalSnapshotIdentifier: "single-final" }));
    expect(taken.code).toBe("SnapshotAlreadyExistsFault");
    expect((await target.api.cluster("from-final")).CacheClusterStatus).toBe("available");
  });

  it("snapshots and their files survive a restart of the control plane", async () => {
    await target.restart();
    expect((await target.api.ok("GET", "/v1/snapshots/first-copy")).Snapshot.SnapshotStatus).toBe("available");
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "after-restart", Engine: "redis", SnapshotName: "first-copy" });
    const cluster = await target.api.cluster("after-restart");
    expect(await dumpKeys(cluster.CacheNodes[0].Endpoint)).toEqual(expected);
  });
});
