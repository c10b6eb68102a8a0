/**
 * Cluster-mode snapshots restored, both runtimes: a 3-shard group with keys of every type, some with
 * TTLs, spread over all slots (hash tags pick each key's slot); a snapshot of it (AWS CLI) restored
 * into 3 shards (AWS SDK: each shard starts from its file), 2 shards (boto3) and 4 shards (REST:
 * the keys placed by slot), and from exported files with SnapshotArns and given Slots; a
 * cluster-mode-disabled snapshot into a 2-shard group. Every key is read back through an ioredis
 * Cluster client on the configuration endpoint (so from the shard owning its slot): type, value and
 * absolute expiry (PEXPIRETIME) as they were, and no key anywhere else. AWS's refusals: a
 * cluster-mode snapshot into cluster mode disabled, SnapshotArns without Slots, Memcached. A file
 * Redis cannot load, or with keys outside database 0, fails the creation; a control plane killed
 * while keys are placed finishes the restore after its restart.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Redis, type Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, CLUSTERS, failure, GROUPS } from "../helpers/clients.ts";
import { boto3 } from "../helpers/boto3.ts";
import { readyClusterClient } from "../helpers/cluster-client.ts";
import { eventually } from "../helpers/eventually.ts";
import { valueOf, waitSnapshot } from "../helpers/snapshots.ts";
import { closeRedisClients, endpointsOf, portRange, redis, runningNodes, runtimesUnderTest, startNodeServer, type NodeServer, type RuntimeKind } from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();

type KeyState = { type: string; value: unknown; expiresAt: number };

const clusterClient = (endpoint: { Address: string; Port: number }) => readyClusterClient(endpoint, { commandTimeout: 5000, connectTimeout: 1000, retryMs: 50 });

/** Keys of every type over all slots: `{tN}` hash tags land in slots across the whole range. */
async function writeTypedKeys(client: Cluster, tags: number): Promise<void> {
  for (let n = 0; n < tags; n++) {
    const tag = `{t${n}}`;
    await client.set(`s:${tag}`, `value-${n}`);
    if (n % 10 === 0) await client.set(`ttl:${tag}`, `expiring-${n}`, "PX", 600_000 + n);
    if (n % 7 === 0) await client.hset(`h:${tag}`, { name: `n${n}`, at: String(n) });
    if (n % 7 === 1) await client.rpush(`l:${tag}`, "a", "b", String(n));
    if (n % 7 === 2) await client.sadd(`set:${tag}`, "x", "y", String(n));
    if (n % 7 === 3) await client.zadd(`z:${tag}`, 1, "one", n + 0.5, "more");
    if (n % 7 === 4) await client.xadd(`x:${tag}`, "1-1", "field", String(n));
    if (n % 21 === 5) await client.pexpire(`s:${tag}`, 900_000 + n);
  }
}

/**
 * Every key of the cluster: names from each primary, then type, value and absolute expiry read
 * through the cluster client (from the shard owning the slot). A key on the wrong shard is
 * missing there, so its reading differs.
 */
async function clusterKeys(client: Cluster): Promise<Record<string, KeyState>> {
  const names = (await Promise.all(client.nodes("master").map((node) => node.keys("*")))).flat().sort();
  const out: Record<string, KeyState> = {};
  for (const key of names) {
    const type = await client.type(key);
    out[key] = { type, value: await valueOf(client, key, type), expiresAt: Number(await client.call("PEXPIRETIME", key)) };
  }
  return out;
}

describe.each(RUNTIMES)("cluster-mode snapshots restored (%s runtime)", (runtime: RuntimeKind) => {
  let target: NodeServer;
  let expected: Record<string, KeyState>;
  const clients: Cluster[] = [];

  /** The restored group's keys, through a cluster client on its configuration endpoint; then the group goes (its ports come back). */
  async function restoredKeys(id: string, shards: number): Promise<Record<string, KeyState>> {
    const group = await target.api.waitGroup(id, "available", 120_000);
    expect(group.NodeGroups).toHaveLength(shards);
    const client = await clusterClient(group.ConfigurationEndpoint);
    clients.push(client);
    expect(client.nodes("master")).toHaveLength(shards);
    const keys = await clusterKeys(client);
    client.disconnect();
    await target.api.send("DeleteReplicationGroup", { ReplicationGroupId: id });
    await eventually(async () => !(await target.api.groupExists(id)), 60_000, `${id} deleted`);
    return keys;
  }

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: `cs${runtime[0]}`, portRange: await portRange(60) });
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "src", ReplicationGroupDescription: "source", NumNodeGroups: 3, ReplicasPerNodeGroup: 1 });
    const group = await target.api.waitGroup("src", "available", 120_000);
    const client = await clusterClient(group.ConfigurationEndpoint);
    clients.push(client);
    await writeTypedKeys(client, 300);
    expected = await clusterKeys(client);
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    closeRedisClients();
    await target?.destroy();
  });

  it("the source has keys of every type, some expiring, on every shard", async () => {
    const types = new Set(Object.values(expected).map((state) => state.type));
    expect([...types].sort()).toEqual(["hash", "list", "set", "stream", "string", "zset"]);
    expect(Object.values(expected).filter((state) => state.expiresAt > 0).length).toBeGreaterThan(40);
    expect(Object.keys(expected).length).toBeGreaterThan(500);
  });

  it("CreateSnapshot (AWS CLI) of the 3-shard group takes one file per shard with its slots", async () => {
    await awsCli(target.server.url, "CreateSnapshot", { ReplicationGroupId: "src", SnapshotName: "three" });
    await waitSnapshot(target, "three");
    const [snapshot] = (await target.api.send("DescribeSnapshots", { SnapshotName: "three", ShowNodeGroupConfig: true })).Snapshots;
    expect(snapshot.NodeSnapshots.map((node: any) => [node.NodeGroupId, node.NodeGroupConfiguration?.Slots])).toEqual([
      ["0001", "0-5461"],
      ["0002", "5462-10922"],
      ["0003", "10923-16383"],
    ]);
  });

  it("restores into 3 shards (AWS SDK): every key, type, value and TTL in its shard", async () => {
    const { ReplicationGroup: created } = await target.api.send("CreateReplicationGroup", {
      ReplicationGroupId: "same",
      ReplicationGroupDescription: "same layout",
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 0,
      SnapshotName: "three",
    });
    expect(created.Status).toBe("creating");
    expect(await restoredKeys("same", 3)).toEqual(expected);
  });

  it("restores into 2 shards (boto3): the keys are placed by slot before the group is available", async () => {
    const reply = await boto3(target.server.url, "CreateReplicationGroup", {
      ReplicationGroupId: "fewer",
      ReplicationGroupDescription: "two shards",
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 1,
      SnapshotName: "three",
    });
    expect(reply.ok?.ReplicationGroup?.Status).toBe("creating");
    expect(await restoredKeys("fewer", 2)).toEqual(expected);
  });

  it("restores into 4 shards (REST), and no loader node is left", async () => {
    await target.api.ok("POST", GROUPS, { ReplicationGroupId: "more", ReplicationGroupDescription: "four shards", NumNodeGroups: 4, ReplicasPerNodeGroup: 0, SnapshotName: "three" });
    expect(await restoredKeys("more", 4)).toEqual(expected);
    expect((await runningNodes(target)).filter((name) => name.includes("restore"))).toEqual([]);
  });

  it("restores exported files with SnapshotArns and Slots given (AWS CLI); without Slots AWS's refusal", async () => {
    mkdirSync(path.join(target.dataDir, "s3", "backups"), { recursive: true });
    await target.api.send("CopySnapshot", { SourceSnapshotName: "three", TargetSnapshotName: "exported", TargetBucket: "backups" });
    expect(readdirSync(path.join(target.dataDir, "s3", "backups")).sort()).toEqual(["exported-0001.rdb", "exported-0002.rdb", "exported-0003.rdb"]);
    const arns = [1, 2, 3].map((shard) => `arn:aws:s3:::backups/exported-000${shard}.rdb`);
    const noSlots = await failure(target.api.send("CreateReplicationGroup", { ReplicationGroupId: "arns", ReplicationGroupDescription: "s3", NumNodeGroups: 2, SnapshotArns: arns }));
    expect([noSlots.code, noSlots.status]).toEqual(["InvalidParameterCombination", 400]);
    expect(await target.api.groupExists("arns")).toBe(false);
    await awsCli(target.server.url, "CreateReplicationGroup", {
      ReplicationGroupId: "arns",
      ReplicationGroupDescription: "s3",
      NumNodeGroups: 2,
      NodeGroupConfiguration: [
        { NodeGroupId: "0001", Slots: "0-999", ReplicaCount: 0 },
        { NodeGroupId: "0002", Slots: "1000-16383", ReplicaCount: 0 },
      ],
      SnapshotArns: arns,
    });
    expect(await restoredKeys("arns", 2)).toEqual(expected);
  });

  it("a cluster-mode-disabled snapshot restores into 2 shards, as AWS allows", async () => {
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "plain", ReplicationGroupDescription: "cmd", NumCacheClusters: 1 });
    const plain = await target.api.waitGroup("plain");
    const client = redis(endpointsOf(plain).primary);
    for (let i = 0; i < 200; i++) await client.set(`plain:${i}`, String(i));
    await client.hset("plain:hash", { a: "1" });
    await client.pexpire("plain:hash", 700_000);
    const expiresAt = Number(await client.call("PEXPIRETIME", "plain:hash"));
    await target.api.send("CreateSnapshot", { ReplicationGroupId: "plain", SnapshotName: "plain-snap" });
    await waitSnapshot(target, "plain-snap");
    await target.api.send("DeleteReplicationGroup", { ReplicationGroupId: "plain" });
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "upgraded", ReplicationGroupDescription: "cme", NumNodeGroups: 2, ReplicasPerNodeGroup: 0, SnapshotName: "plain-snap" });
    const keys = await restoredKeys("upgraded", 2);
    expect(Object.keys(keys)).toHaveLength(201);
    expect(keys["plain:7"]).toEqual({ type: "string", value: "7", expiresAt: -1 });
    expect(keys["plain:hash"]).toEqual({ type: "hash", value: { a: "1" }, expiresAt });
  });

  it("a file Redis cannot load, or one with keys outside database 0, fails the creation; no loader is left", async () => {
    writeFileSync(path.join(target.dataDir, "s3", "backups", "garbage.rdb"), "not an RDB file");
    const twoShards = [
      { NodeGroupId: "0001", Slots: "0-8191", ReplicaCount: 0 },
      { NodeGroupId: "0002", Slots: "8192-16383", ReplicaCount: 0 },
    ];
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "garbage", ReplicationGroupDescription: "bad file", NumNodeGroups: 2, NodeGroupConfiguration: twoShards, SnapshotArns: ["arn:aws:s3:::backups/garbage.rdb"] });
    expect((await target.api.waitGroup("garbage", "create-failed", 90_000)).Status).toBe("create-failed");

    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "dbs", ReplicationGroupDescription: "two databases", NumCacheClusters: 1 });
    const { primary } = endpointsOf(await target.api.waitGroup("dbs"));
    const second = new Redis({ host: primary.Address, port: primary.Port, db: 1 });
    await second.set("elsewhere", "db1");
    second.disconnect();
    await target.api.send("CreateSnapshot", { ReplicationGroupId: "dbs", SnapshotName: "dbs-snap" });
    await waitSnapshot(target, "dbs-snap");
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "dbs-cme", ReplicationGroupDescription: "cme", NumNodeGroups: 2, ReplicasPerNodeGroup: 0, SnapshotName: "dbs-snap" });
    await target.api.waitGroup("dbs-cme", "create-failed", 90_000);
    const messages = (await target.api.events("replication-group", "dbs-cme")).map((event) => event.Message);
    expect(messages.some((message) => message.includes("database 0 only"))).toBe(true);
    expect((await runningNodes(target)).filter((name) => name.includes("restore"))).toEqual([]);
  }, 240_000);

  it("refuses with AWS's codes, writing nothing: cluster-mode snapshot into cluster mode disabled, Memcached", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["CreateReplicationGroup", { ReplicationGroupId: "cmd", ReplicationGroupDescription: "x", NumCacheClusters: 2, SnapshotName: "three" }, "InvalidParameterCombination"],
      ["CreateCacheCluster", { CacheClusterId: "single", Engine: "redis", SnapshotName: "three" }, "InvalidParameterCombination"],
      ["CreateCacheCluster", { CacheClusterId: "mc", Engine: "memcached", SnapshotName: "three" }, "SnapshotFeatureNotSupportedFault"],
      ["CreateReplicationGroup", { ReplicationGroupId: "gone", ReplicationGroupDescription: "x", NumNodeGroups: 2, SnapshotName: "nope" }, "SnapshotNotFoundFault"],
    ];
    for (const [operation, input, code] of cases) {
      const refused = await failure(target.api.send(operation, input));
      expect(refused.code, JSON.stringify(input)).toBe(code);
      expect(refused.status).toBeLessThan(500);
    }
    for (const id of ["cmd", "gone"]) expect((await target.api.rest("GET", `${GROUPS}/${id}`)).status).toBe(404);
    for (const id of ["single", "mc"]) expect((await target.api.rest("GET", `${CLUSTERS}/${id}`)).status).toBe(404);
  });

  it("a control plane killed while the keys are placed finishes the restore on its next start", async () => {
    // Enough keys that placing them lasts a while (the kill must find the loader running).
    const source = await clusterClient((await target.api.group("src")).ConfigurationEndpoint);
    clients.push(source);
    const BIG = 60_000;
    for (let from = 0; from < BIG; from += 5_000) {
      await Promise.all(Array.from({ length: 5_000 }, (_, index) => source.set(`big:${from + index}`, `v${from + index}`)));
    }
    await target.api.send("CreateSnapshot", { ReplicationGroupId: "src", SnapshotName: "big" });
    await waitSnapshot(target, "big");
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "resumed", ReplicationGroupDescription: "crash", NumNodeGroups: 2, ReplicasPerNodeGroup: 0, SnapshotName: "big" });
    await eventually(async () => (await runningNodes(target)).some((name) => name.startsWith("resumed-restore-")), 60_000, "loader running");
    await target.restart({ kill: true });

    const group = await target.api.waitGroup("resumed", "available", 120_000);
    const client = await clusterClient(group.ConfigurationEndpoint);
    clients.push(client);
    const sizes = await Promise.all(client.nodes("master").map((node) => node.dbsize()));
    expect(sizes.reduce((a, b) => a + b)).toBe(BIG + Object.keys(expected).length);
    for (let n = 0; n < BIG; n += 997) expect(await client.get(`big:${n}`)).toBe(`v${n}`);
    for (const [key, state] of Object.entries(expected)) {
      expect({ type: await client.type(key), value: await valueOf(client, key, state.type), expiresAt: Number(await client.call("PEXPIRETIME", key)) }, key).toEqual(state);
    }
    expect((await runningNodes(target)).filter((name) => name.includes("restore"))).toEqual([]);
  }, 300_000);
});
