/**
 * Cluster mode enabled on real Redis Cluster nodes, with both runtimes: a 3-shard group created
 * through the AWS SDK; Describe output as AWS gives it (ClusterEnabled, NodeGroups with Slots, a
 * ConfigurationEndpoint and no per-shard endpoints); ioredis Cluster and redis-py RedisCluster
 * bootstrap from the configuration endpoint and reach every shard; a shard primary killed while a
 * cluster client writes (every acknowledged write readable after); TestFailover of one shard
 * through the AWS SDK and of another through the AWS CLI; replicas added per shard over REST and
 * removed through the AWS CLI; bad slot configurations refused with AWS's codes; deleting leaves
 * no node and no endpoint; resharding 2 -> 3 over REST and 3 -> 2 through the AWS CLI under
 * steady writes.
 */
import { execFile } from "node:child_process";
import { readyClusterClient } from "../helpers/cluster-client.ts";
import { promisify } from "node:util";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, failure } from "../helpers/clients.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, crashNode, portOpen, portRange, runningNodes, runtimesUnderTest, startNodeServer, type NodeServer, type RuntimeKind } from "../helpers/nodes.ts";

const runtimes = await runtimesUnderTest();
const run = promisify(execFile);


/** A ready cluster client (test/helpers/cluster-client.ts), with room for a loaded machine. */
const clusterClient = (endpoint: { Address: string; Port: number }, commandTimeout = 5000) =>
  readyClusterClient(endpoint, { commandTimeout, connectTimeout: 1000, retryMs: 50 });

const primaryOf = (group: any, nodeGroupId: string) =>
  group.NodeGroups.find((shard: any) => shard.NodeGroupId === nodeGroupId).NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;

/** The group is available, every node available, and every node of the cluster agrees it is ok. */
async function settled(target: NodeServer, id: string) {
  return eventually(
    async () => {
      const group = await target.api.group(id);
      if (group.Status !== "available") return undefined;
      const clusters = await Promise.all(group.MemberClusters.map((member: string) => target.api.cluster(member)));
      return clusters.every((cluster: any) => cluster.CacheNodes.every((node: any) => node.CacheNodeStatus === "available")) && group;
    },
    60_000,
    `group ${id} settled`,
  );
}

/** The host port of a member's node (DescribeCacheClusters). */
const portOf = async (target: NodeServer, member: string): Promise<number> => (await target.api.cluster(member)).CacheNodes[0].Endpoint.Port;

/** The settled group once `member` is the primary of `shard`. */
function failedOverTo(target: NodeServer, shard: string, member: string) {
  return eventually(
    async () => {
      const current = await settled(target, "shop");
      return primaryOf(current, shard) === member && current;
    },
    60_000,
    `shard ${shard} failed over to ${member}`,
  );
}

describe.each(runtimes)("cluster mode enabled with the %s runtime", (runtime: RuntimeKind) => {
  let target: NodeServer;
  let group: any;
  const clients: Cluster[] = [];

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: `cm${runtime[0]}`, portRange: await portRange(60) });
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    closeRedisClients();
    await target?.destroy();
  });

  it("creates 3 shards with a replica each through the AWS SDK, described as AWS does", async () => {
    const { ReplicationGroup: created } = await target.api.send("CreateReplicationGroup", {
      ReplicationGroupId: "shop",
      ReplicationGroupDescription: "cluster mode",
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 1,
    });
    expect(created.Status).toBe("creating");
    await target.api.waitGroup("shop", "available", 90_000);
    ({ ReplicationGroups: [group] } = await target.api.send("DescribeReplicationGroups", { ReplicationGroupId: "shop" }));
    expect(group).toMatchObject({ ClusterEnabled: true, ClusterMode: "enabled", AutomaticFailover: "enabled", Status: "available" });
    expect(group.ConfigurationEndpoint).toEqual({ Address: "127.0.0.1", Port: expect.any(Number) });
    expect(group.NodeGroups.map((shard: any) => [shard.NodeGroupId, shard.Slots])).toEqual([
      ["0001", "0-5461"],
      ["0002", "5462-10922"],
      ["0003", "10923-16383"],
    ]);
    for (const shard of group.NodeGroups) {
      expect(shard.PrimaryEndpoint).toBeUndefined();
      expect(shard.ReaderEndpoint).toBeUndefined();
      expect(shard.NodeGroupMembers.map((member: any) => [member.CacheClusterId, member.CurrentRole])).toEqual([
        [`shop-${shard.NodeGroupId}-001`, "primary"],
        [`shop-${shard.NodeGroupId}-002`, "replica"],
      ]);
    }
    const { CacheClusters } = await target.api.send("DescribeCacheClusters", { ShowCacheNodeInfo: true });
    expect(CacheClusters.map((cluster: any) => cluster.CacheClusterId).sort()).toEqual(group.MemberClusters);
    expect(group.MemberClusters).toHaveLength(6);
  });

  it("serves the whole cluster to ioredis Cluster through the configuration endpoint, keys on every shard", async () => {
    const client = await clusterClient(group.ConfigurationEndpoint);
    clients.push(client);
    for (let i = 0; i < 300; i++) await client.set(`key:${i}`, String(i));
    for (let i = 0; i < 300; i++) expect(await client.get(`key:${i}`)).toBe(String(i));
    // The slot map names host addresses: one direct connection per shard primary finds its keys there.
    const nodes = client.nodes("master");
    expect(nodes).toHaveLength(3);
    const sizes = await Promise.all(nodes.map((node) => node.dbsize()));
    expect(sizes.every((size) => size > 50)).toBe(true);
    expect(sizes.reduce((a, b) => a + b)).toBe(300);
    const { CacheClusters } = await target.api.send("DescribeCacheClusters", { ShowCacheNodeInfo: true });
    const hostPorts = CacheClusters.map((cluster: any) => cluster.CacheNodes[0].Endpoint.Port).sort();
    const slotPorts = (await client.cluster("SHARDS") as any[]).flatMap((shard: any) => {
      const nodesOf = shard[shard.indexOf("nodes") + 1] as any[];
      return nodesOf.map((node: any[]) => node[node.indexOf("port") + 1]);
    });
    expect(slotPorts.sort()).toEqual(hostPorts);
  });

  it("serves redis-py's RedisCluster through the configuration endpoint", async () => {
    const script = `
import sys
from redis.cluster import RedisCluster
client = RedisCluster(host=sys.argv[1], port=int(sys.argv[2]))
for i in range(100):
    client.set(f"py:{i}", i)
assert all(client.get(f"py:{i}") == str(i).encode() for i in range(100))
print(len(client.get_nodes()), len(client.get_primaries()))
`;
    // Every node of the slot map, replicas included (a node the others flag as failing is left out of CLUSTER SLOTS until it answers again).
    await eventually(
      async () => (await run("/usr/bin/python3", ["-c", script, group.ConfigurationEndpoint.Address, String(group.ConfigurationEndpoint.Port)])).stdout.trim() === "6 3",
      30_000,
      "redis-py seeing 6 nodes, 3 of them primaries",
    );
  });

  it("fails over a shard whose primary is killed while a cluster client writes; acknowledged writes survive", async () => {
    const client = await clusterClient(group.ConfigurationEndpoint);
    clients.push(client);
    const acked: string[] = [];
    let writing = true;
    let failures = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        try {
          await client.set(`w:${i}`, String(i));
          acked.push(`w:${i}`);
        } catch {
          failures++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    await eventually(() => acked.length > 100, 10_000, "writes before the kill");
    const victim = primaryOf(group, "0002");
    crashNode(target, `${victim}-0001`);
    const ackedAtKill = acked.length;
    const after = await eventually(
      async () => {
        const current = await target.api.group("shop");
        return primaryOf(current, "0002") === "shop-0002-002" && current;
      },
      30_000,
      "the replica of shard 0002 promoted",
    );
    expect(primaryOf(after, "0001")).toBe("shop-0001-001");
    expect(primaryOf(after, "0003")).toBe("shop-0003-001");
    // Writes to every shard resume, shard 0002's included.
    await eventually(() => acked.length > ackedAtKill + 300, 30_000, "writes after the failover");
    writing = false;
    await writer;
    await settled(target, "shop");
    const values = await Promise.all(acked.map((key) => client.get(key)));
    const lost = acked.filter((key, index) => values[index] !== key.slice(2));
    expect(lost).toEqual([]);
    const events = (await target.api.events("replication-group", "shop")).map((event) => event.Message);
    expect(events).toContain(`Failover from primary node ${victim} to replica node shop-0002-002 completed`);
    // The old primary is back as the new primary's replica, in Redis Cluster's own view too.
    // (Gossip carries the change: a node the client asks may take a moment to learn it.)
    await eventually(
      async () => String(await client.cluster("NODES")).split("\n").filter((line) => line.includes("master") && !line.includes("fail")).length === 3,
      20_000,
      "every node seeing 3 primaries",
    );
    group = after;
  });

  it("fails over only the named shard with TestFailover, through the AWS SDK and the AWS CLI", async () => {
    await settled(target, "shop");
    const before = await target.api.group("shop");
    await target.api.send("TestFailover", { ReplicationGroupId: "shop", NodeGroupId: "0001" });
    const afterSdk = await failedOverTo(target, "0001", "shop-0001-002");
    expect(primaryOf(afterSdk, "0002")).toBe(primaryOf(before, "0002"));
    expect(primaryOf(afterSdk, "0003")).toBe(primaryOf(before, "0003"));

    await awsCli(target.server.url, "TestFailover", { ReplicationGroupId: "shop", NodeGroupId: "3" });
    const afterCli = await failedOverTo(target, "0003", "shop-0003-002");
    expect(primaryOf(afterCli, "0001")).toBe("shop-0001-002");
    expect(primaryOf(afterCli, "0002")).toBe(primaryOf(before, "0002"));
    const missing = await failure(target.api.send("TestFailover", { ReplicationGroupId: "shop", NodeGroupId: "0009" }));
    expect([missing.code, missing.status]).toEqual(["NodeGroupNotFoundFault", 404]);

    // The cluster serves every key still, from the new primaries.
    const client = await clusterClient(afterCli.ConfigurationEndpoint);
    clients.push(client);
    for (let i = 0; i < 300; i++) expect(await client.get(`key:${i}`)).toBe(String(i));
    group = afterCli;
  });

  it("adds and removes replicas of one shard with ReplicaConfiguration, through the AWS SDK and the AWS CLI", async () => {
    const unknown = await failure(
      target.api.send("IncreaseReplicaCount", { ReplicationGroupId: "shop", ApplyImmediately: true, ReplicaConfiguration: [{ NodeGroupId: "0009", NewReplicaCount: 2 }] }),
    );
    expect([unknown.code, unknown.status]).toEqual(["NodeGroupNotFoundFault", 404]);
    const tooMany = await failure(target.api.send("IncreaseReplicaCount", { ReplicationGroupId: "shop", ApplyImmediately: true, NewReplicaCount: 6 }));
    expect([tooMany.code, tooMany.status]).toEqual(["InvalidParameterValue", 400]);

    // Over REST, waiting until the group is available again.
    await target.api.ok("POST", "/v1/replication-groups/shop/increase-replica-count?wait=true", { ApplyImmediately: true, ReplicaConfiguration: [{ NodeGroupId: "0002", NewReplicaCount: 2 }] });
    const grown = await settled(target, "shop");
    const shard = (current: any, id: string) => current.NodeGroups.find((candidate: any) => candidate.NodeGroupId === id);
    expect(shard(grown, "0002").NodeGroupMembers.map((member: any) => member.CacheClusterId)).toEqual(["shop-0002-001", "shop-0002-002", "shop-0002-003"]);
    expect(shard(grown, "0001").NodeGroupMembers).toHaveLength(2);
    // Redis Cluster agrees: the new node replicates shard 0002's primary.
    const client = await clusterClient(grown.ConfigurationEndpoint);
    clients.push(client);
    const view = () => client.cluster("NODES").then((text) => String(text).trim().split("\n"));
    const primaryPort = await portOf(target, primaryOf(grown, "0002"));
    const primaryId = (await view()).find((line) => line.includes(`:${primaryPort}@`))!.split(" ")[0];
    expect((await view()).filter((line) => line.includes(` slave ${primaryId} `))).toHaveLength(2);

    await awsCli(target.server.url, "DecreaseReplicaCount", { ReplicationGroupId: "shop", ApplyImmediately: true, ReplicaConfiguration: [{ NodeGroupId: "2", NewReplicaCount: 1 }] });
    const shrunk = await settled(target, "shop");
    expect(shard(shrunk, "0002").NodeGroupMembers).toHaveLength(2);
    expect(shrunk.MemberClusters).toHaveLength(6);
    // The removed node is gone from every node's view.
    await eventually(async () => (await view()).length === 6, 20_000, "the cluster forgetting the removed node");
    group = shrunk;
  });

  it("refuses bad slot configurations with AWS's codes, writing nothing", async () => {
    const attempts: [Record<string, unknown>, string][] = [
      [{ NodeGroupConfiguration: [{ Slots: "0-8192" }, { Slots: "8192-16383" }] }, "InvalidParameterValue"],
      [{ NodeGroupConfiguration: [{ Slots: "0-8000" }, { Slots: "8192-16383" }] }, "InvalidParameterValue"],
      [{ NodeGroupConfiguration: [{ Slots: "0-8191" }, { Slots: "8192-16384" }] }, "InvalidParameterValue"],
      [{ NumNodeGroups: 501 }, "NodeGroupsPerReplicationGroupQuotaExceeded"],
      [{ NumNodeGroups: 2, ReplicasPerNodeGroup: 6 }, "InvalidParameterValue"],
      [{ NumNodeGroups: 2, AutomaticFailoverEnabled: false }, "InvalidParameterCombination"],
    ];
    for (const [input, code] of attempts) {
      const error = await failure(target.api.send("CreateReplicationGroup", { ReplicationGroupId: "bad", ReplicationGroupDescription: "bad", ...input }));
      expect([error.code, error.status]).toEqual([code, 400]);
    }
    const cli = await failure(
      awsCli(target.server.url, "CreateReplicationGroup", {
        ReplicationGroupId: "bad",
        ReplicationGroupDescription: "bad",
        NodeGroupConfiguration: [{ Slots: "0-100" }, { Slots: "50-16383" }],
      }),
    );
    expect(cli.code).toBe("InvalidParameterValue");
    expect(await target.api.groupExists("bad")).toBe(false);
  });

  it("deletes the group leaving no node and no endpoint", async () => {
    const port = group.ConfigurationEndpoint.Port;
    await target.api.ok("DELETE", "/v1/replication-groups/shop?wait=true");
    expect(await target.api.groupExists("shop")).toBe(false);
    expect(await runningNodes(target)).toEqual([]);
    expect(await portOpen(port)).toBe(false);
  });

  it("reshards 2 -> 3 -> 2 shards online under steady writes; every acknowledged key is readable after", async () => {
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "grow", ReplicationGroupDescription: "reshard", NumNodeGroups: 2, ReplicasPerNodeGroup: 1 });
    const created = await target.api.waitGroup("grow", "available", 90_000);
    const client = await clusterClient(created.ConfigurationEndpoint);
    clients.push(client);
    for (let i = 0; i < 3000; i++) await client.set(`pre:${i}`, String(i));
    const acked: number[] = [];
    const errors: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        try {
          await client.set(`live:${i}`, String(i));
          acked.push(i);
        } catch (error) {
          errors.push(String(error));
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    })();
    await eventually(() => acked.length > 50, 10_000, "writes before resharding");

    // Over REST: bad input gets AWS's codes first, then the reshard itself.
    const shards = "/v1/replication-groups/grow/shard-configuration";
    const noCount = await target.api.rest("POST", shards, { ApplyImmediately: true });
    expect([noCount.body.Error?.Code, noCount.status]).toEqual(["MissingParameter", 400]);
    const noGroup = await target.api.rest("POST", "/v1/replication-groups/nope/shard-configuration", { NodeGroupCount: 3, ApplyImmediately: true });
    expect([noGroup.body.Error?.Code, noGroup.status]).toEqual(["ReplicationGroupNotFoundFault", 404]);
    const { ReplicationGroup: growing } = await target.api.ok("POST", shards, { NodeGroupCount: 3, ApplyImmediately: true });
    expect(growing.Status).toBe("modifying");
    expect(growing.PendingModifiedValues.Resharding.SlotMigration.ProgressPercentage).toBe(0);
    const grown = await settled(target, "grow");
    expect(grown.PendingModifiedValues.Resharding).toBeUndefined();
    expect(grown.NodeGroups.map((shard: any) => shard.NodeGroupId)).toEqual(["0001", "0002", "0003"]);
    expect(grown.NodeGroups.map((shard: any) => shard.Slots)).toEqual(["0-5461", "8192-13652", "5462-8191,13653-16383"]);
    expect(grown.MemberClusters).toHaveLength(6);
    await eventually(() => client.nodes("master").length === 3, 10_000, "the client seeing 3 primaries");

    await awsCli(target.server.url, "ModifyReplicationGroupShardConfiguration", { ReplicationGroupId: "grow", NodeGroupCount: 2, ApplyImmediately: true, NodeGroupsToRetain: ["0001", "0003"] });
    const shrunk = await eventually(
      async () => {
        const current = await settled(target, "grow");
        return current.NodeGroups.length === 2 && current;
      },
      60_000,
      "node group 0002 removed",
    );
    expect(shrunk.NodeGroups.map((shard: any) => shard.NodeGroupId)).toEqual(["0001", "0003"]);
    expect(shrunk.MemberClusters).toEqual(["grow-0001-001", "grow-0001-002", "grow-0003-001", "grow-0003-002"]);
    await eventually(async () => acked.length > 0 && (await target.api.group("grow")).Status === "available", 10_000, "available");
    writing = false;
    await writer;
    expect(errors).toEqual([]);
    // Read everything back as an application starting now would: a client bootstrapped from the
    // configuration endpoint after the resharding, a thousand reads at a time.
    const reader = await clusterClient(shrunk.ConfigurationEndpoint);
    clients.push(reader);
    const readAll = async (keys: string[]) => {
      const values: (string | null)[] = [];
      for (let start = 0; start < keys.length; start += 1000) values.push(...(await Promise.all(keys.slice(start, start + 1000).map((key) => reader.get(key)))));
      return values;
    };
    const pre = await readAll(Array.from({ length: 3000 }, (_, i) => `pre:${i}`));
    expect(pre.filter((value, i) => value !== String(i))).toEqual([]);
    const live = await readAll(acked.map((i) => `live:${i}`));
    expect(live.filter((value, index) => value !== String(acked[index]))).toEqual([]);
    const events = (await target.api.events("replication-group", "grow")).map((event) => event.Message);
    expect(events).toContain("Resharding of replication group grow to 3 node groups completed");
    expect(events).toContain("Resharding of replication group grow to 2 node groups completed");
    await target.api.ok("DELETE", "/v1/replication-groups/grow?wait=true");
    expect(await runningNodes(target)).toEqual([]);
  }, 300_000);
});
