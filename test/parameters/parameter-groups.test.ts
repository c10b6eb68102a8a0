/**
 * Parameter groups on real nodes, both runtimes: a group's live parameters (maxmemory-policy,
 * notify-keyspace-events) reach every node of a replication group through CONFIG SET, including a
 * replica added later and a primary recovered after a failover; a reboot-only parameter is
 * pending-reboot until RebootCacheCluster; a reset goes back to the defaults; Memcached's
 * max_item_size becomes memcached's -I at a reboot; the default groups are read-only and bad
 * input gets AWS's codes. Calls through the AWS CLI, the AWS SDK for JavaScript, boto3 and REST.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, CLUSTERS, failure, GROUPS } from "../helpers/clients.ts";
import { boto3 } from "../helpers/boto3.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, endpointsOf, memcachedRaw, redis, redisCommand, runtimesUnderTest, startNodeServer, type Endpoint, type NodeServer } from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();
const PARAMS = "/v1/cache-parameter-groups";

afterAll(() => closeRedisClients());

/** Every node endpoint of a group, by member id. */
const nodesOf = (group: any): Record<string, Endpoint> => Object.fromEntries(Object.entries(endpointsOf(group).members).map(([id, member]) => [id, member.endpoint]));

async function configOf(endpoint: Endpoint, name: string): Promise<string> {
  const [, value] = (await redisCommand(endpoint, "CONFIG", "GET", name)) as string[];
  return value;
}

/** Waits until every node of the group reports the values. */
async function everyNodeHas(target: NodeServer, groupId: string, values: Record<string, string>): Promise<any> {
  return eventually(
    async () => {
      const group = await target.api.group(groupId);
      if (group.Status !== "available") return undefined;
      for (const endpoint of Object.values(nodesOf(group))) {
        for (const [name, value] of Object.entries(values)) if ((await configOf(endpoint, name)) !== value) return undefined;
      }
      return group;
    },
    60_000,
    `every node of ${groupId} has ${JSON.stringify(values)}`,
  );
}

const applyStatusOf = async (target: NodeServer, clusterId: string) => (await target.api.cluster(clusterId)).CacheParameterGroup;

describe.each(RUNTIMES)("parameter groups on real nodes (%s runtime)", (runtime) => {
  let target: NodeServer;

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: "pg" });
  });
  afterAll(async () => target?.destroy());

  it("the default groups of this machine's families are listed; a group is created (AWS CLI) and described (AWS SDK)", async () => {
    const created = await awsCli(target.server.url, "CreateCacheParameterGroup", { CacheParameterGroupName: "App-Params", CacheParameterGroupFamily: "redis7", Description: "app" });
    expect(created.CacheParameterGroup).toMatchObject({ CacheParameterGroupName: "app-params", CacheParameterGroupFamily: "redis7", IsGlobal: false });
    expect(created.CacheParameterGroup.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:parametergroup:app-params");
    const names = (await target.api.send("DescribeCacheParameterGroups", {})).CacheParameterGroups.map((group: any) => group.CacheParameterGroupName);
    expect(names).toEqual(expect.arrayContaining(["app-params", "default.memcached1.6", "default.redis7", "default.redis7.cluster.on"]));
    const parameters = (await target.api.send("DescribeCacheParameters", { CacheParameterGroupName: "app-params" })).Parameters;
    expect(parameters.find((p: any) => p.ParameterName === "maxmemory-policy")).toMatchObject({ ParameterValue: "volatile-lru", Source: "engine-default", ChangeType: "immediate", IsModifiable: true, DataType: "string" });
    expect(parameters.find((p: any) => p.ParameterName === "databases")).toMatchObject({ ChangeType: "requires-reboot", DataType: "integer", AllowedValues: "1-1200000" });
    expect((await target.api.send("DescribeCacheParameters", { CacheParameterGroupName: "app-params", Source: "user" })).Parameters).toEqual([]);
    const clusterOn = (await target.api.send("DescribeCacheParameters", { CacheParameterGroupName: "default.redis7.cluster.on", Source: "system" })).Parameters;
    expect(clusterOn.map((p: any) => [p.ParameterName, p.ParameterValue])).toEqual([["cluster-enabled", "yes"]]);
    const defaults = await target.api.ok("GET", "/v1/engine-default-parameters?CacheParameterGroupFamily=memcached1.6");
    expect(defaults.EngineDefaults.Parameters.find((p: any) => p.ParameterName === "max_item_size")).toMatchObject({ ParameterValue: "1048576", ChangeType: "requires-reboot" });
  });

  it("a live change (REST) reaches every node of a group that uses the group: CONFIG GET, keyspace events, in-sync", async () => {
    const reply = await boto3(target.server.url, "CreateReplicationGroup", {
      ReplicationGroupId: "pg",
      ReplicationGroupDescription: "parameters",
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      CacheParameterGroupName: "app-params",
    });
    expect(reply.ok.ReplicationGroup.Status).toBe("creating");
    const group = await everyNodeHas(target, "pg", { "maxmemory-policy": "volatile-lru" });
    expect((await applyStatusOf(target, "pg-001")).CacheParameterGroupName).toBe("app-params");

    await target.api.ok("PATCH", `${PARAMS}/app-params`, {
      ParameterNameValues: [
        { ParameterName: "maxmemory-policy", ParameterValue: "allkeys-lfu" },
        { ParameterName: "notify-keyspace-events", ParameterValue: "E$" },
      ],
    });
    await everyNodeHas(target, "pg", { "maxmemory-policy": "allkeys-lfu", "notify-keyspace-events": "$E" });
    await eventually(async () => (await applyStatusOf(target, "pg-002")).ParameterApplyStatus === "in-sync", 20_000, "in-sync");
    const user = (await target.api.send("DescribeCacheParameters", { CacheParameterGroupName: "app-params", Source: "user" })).Parameters;
    expect(user.map((p: any) => [p.ParameterName, p.ParameterValue])).toEqual([["maxmemory-policy", "allkeys-lfu"], ["notify-keyspace-events", "E$"]]);

    // Keyspace notifications really are on: a SET publishes its keyevent.
    const { primary } = endpointsOf(group);
    const subscriber = redis(primary);
    const message = new Promise<string>((resolve) => subscriber.on("message", (_channel, key) => resolve(key)));
    await subscriber.subscribe("__keyevent@0__:set");
    await redisCommand(primary, "SET", "notified", "1");
    expect(await message).toBe("notified");
    const messages = (await target.api.events("cache-parameter-group", "app-params")).map((event) => event.Message);
    expect(messages).toContain("Updated parameter group app-params: maxmemory-policy=allkeys-lfu, notify-keyspace-events=E$");
  });

  it("a replica added later and a primary recovered after a failover have the group's values", async () => {
    await target.api.send("IncreaseReplicaCount", { ReplicationGroupId: "pg", NewReplicaCount: 2, ApplyImmediately: true });
    let group = await everyNodeHas(target, "pg", { "maxmemory-policy": "allkeys-lfu", "notify-keyspace-events": "$E" });
    expect(group.MemberClusters).toHaveLength(3);
    await target.api.ok("POST", `${GROUPS}/pg/test-failover`, { NodeGroupId: "0001" });
    group = await eventually(
      async () => {
        const current = await target.api.group("pg");
        const primary = current.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary");
        return current.Status === "available" && primary.CacheClusterId !== "pg-001" ? current : undefined;
      },
      60_000,
      "failover done",
    );
    await eventually(async () => (await target.api.events("cache-cluster", "pg-001")).some((event) => event.Message.startsWith("Finished recovery")), 60_000, "pg-001 recovered");
    await everyNodeHas(target, "pg", { "maxmemory-policy": "allkeys-lfu", "notify-keyspace-events": "$E" });
  });

  it("a reboot-only parameter is pending-reboot until RebootCacheCluster, then in effect; a reset goes back to the defaults", { timeout: 180_000 }, async () => {
    await target.api.send("ModifyCacheParameterGroup", { CacheParameterGroupName: "app-params", ParameterNameValues: [{ ParameterName: "databases", ParameterValue: "32" }] });
    const pending = await eventually(async () => {
      const status = await applyStatusOf(target, "pg-003");
      return status.ParameterApplyStatus === "pending-reboot" ? status : undefined;
    }, 20_000, "pending-reboot");
    expect(pending.CacheNodeIdsToReboot).toEqual(["0001"]);
    const node = nodesOf(await target.api.group("pg"))["pg-003"];
    expect(await configOf(node, "databases")).toBe("16");
    await target.api.send("RebootCacheCluster", { CacheClusterId: "pg-003", CacheNodeIdsToReboot: ["0001"] });
    await eventually(async () => (await configOf(node, "databases").catch(() => "")) === "32", 60_000, "databases 32 after the reboot");
    await eventually(async () => (await applyStatusOf(target, "pg-003")).ParameterApplyStatus === "in-sync", 30_000, "in-sync after reboot");

    await awsCli(target.server.url, "ResetCacheParameterGroup", { CacheParameterGroupName: "app-params", ResetAllParameters: true });
    await everyNodeHas(target, "pg", { "maxmemory-policy": "volatile-lru", "notify-keyspace-events": "" });
    expect((await target.api.send("DescribeCacheParameters", { CacheParameterGroupName: "app-params", Source: "user" })).Parameters).toEqual([]);
  });

  it("a standalone cluster switched to another group (ModifyCacheCluster) takes its values live", async () => {
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "solo", Engine: "redis" });
    await target.api.send("CreateCacheParameterGroup", { CacheParameterGroupName: "solo-params", CacheParameterGroupFamily: "redis7", Description: "solo" });
    await target.api.send("ModifyCacheParameterGroup", { CacheParameterGroupName: "solo-params", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: "300" }] });
    await target.api.send("ModifyCacheCluster", { CacheClusterId: "solo", CacheParameterGroupName: "solo-params", ApplyImmediately: true });
    const endpoint = (await target.api.cluster("solo")).CacheNodes[0].Endpoint;
    await eventually(async () => (await configOf(endpoint, "timeout")) === "300", 30_000, "timeout 300");
    expect(await applyStatusOf(target, "solo")).toMatchObject({ CacheParameterGroupName: "solo-params" });
  });

  it("Memcached: max_item_size becomes memcached's item size limit at the reboot", async () => {
    await target.api.send("CreateCacheParameterGroup", { CacheParameterGroupName: "mc-params", CacheParameterGroupFamily: "memcached1.6", Description: "mc" });
    await target.api.send("ModifyCacheParameterGroup", { CacheParameterGroupName: "mc-params", ParameterNameValues: [{ ParameterName: "max_item_size", ParameterValue: "2097152" }] });
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "mc", Engine: "memcached", CacheParameterGroupName: "mc-params" });
    const endpoint = (await target.api.cluster("mc")).CacheNodes[0].Endpoint;
    const itemSizeMax = async () => /STAT item_size_max (\d+)/.exec(await memcachedRaw(endpoint, "stats settings\r\n", (text) => text.endsWith("END\r\n")))?.[1];
    expect(await itemSizeMax()).toBe("2097152");
    await target.api.send("ModifyCacheParameterGroup", { CacheParameterGroupName: "mc-params", ParameterNameValues: [{ ParameterName: "max_item_size", ParameterValue: "4194304" }] });
    await eventually(async () => (await applyStatusOf(target, "mc")).ParameterApplyStatus === "pending-reboot", 20_000, "pending-reboot");
    expect(await itemSizeMax()).toBe("2097152");
    await target.api.send("RebootCacheCluster", { CacheClusterId: "mc", CacheNodeIdsToReboot: ["0001"] });
    await eventually(async () => (await itemSizeMax().catch(() => undefined)) === "4194304", 60_000, "item_size_max after reboot");
    await eventually(async () => (await applyStatusOf(target, "mc")).ParameterApplyStatus === "in-sync", 30_000, "in-sync");
  });

  it("bad input gets AWS's codes and changes nothing", async () => {
    const cases: [string, Record<string, unknown>, string, number][] = [
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "default.redis7", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: "1" }] }, "InvalidParameterValue", 400],
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "app-params", ParameterNameValues: [{ ParameterName: "no-such", ParameterValue: "1" }] }, "InvalidParameterValue", 400],
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "app-params", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: "-1" }] }, "InvalidParameterValue", 400],
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "app-params", ParameterNameValues: [{ ParameterName: "maxmemory-policy", ParameterValue: "lru" }] }, "InvalidParameterValue", 400],
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "app-params", ParameterNameValues: [{ ParameterName: "notify-keyspace-events", ParameterValue: "KEQ" }] }, "InvalidParameterValue", 400],
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "app-params", ParameterNameValues: Array.from({ length: 21 }, () => ({ ParameterName: "timeout", ParameterValue: "1" })) }, "InvalidParameterCombination", 400],
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "nope", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: "1" }] }, "CacheParameterGroupNotFound", 404],
      ["CreateCacheParameterGroup", { CacheParameterGroupName: "x", CacheParameterGroupFamily: "redis2.8", Description: "d" }, "InvalidParameterValue", 400],
      ["CreateCacheParameterGroup", { CacheParameterGroupName: "app-params", CacheParameterGroupFamily: "redis7", Description: "d" }, "CacheParameterGroupAlreadyExists", 400],
      ["CreateCacheParameterGroup", { CacheParameterGroupName: "bad--name", CacheParameterGroupFamily: "redis7", Description: "d" }, "InvalidParameterValue", 400],
      ["DeleteCacheParameterGroup", { CacheParameterGroupName: "app-params" }, "InvalidCacheParameterGroupState", 400],
      ["DeleteCacheParameterGroup", { CacheParameterGroupName: "solo-params" }, "InvalidCacheParameterGroupState", 400],
      ["DeleteCacheParameterGroup", { CacheParameterGroupName: "default.redis7" }, "InvalidCacheParameterGroupState", 400],
      ["DescribeCacheParameters", { CacheParameterGroupName: "nope" }, "CacheParameterGroupNotFound", 404],
      ["CreateReplicationGroup", { ReplicationGroupId: "wrong-family", ReplicationGroupDescription: "d", CacheParameterGroupName: "mc-params" }, "InvalidParameterCombination", 400],
      // cluster-enabled yes is for cluster-mode-enabled replication groups only, and cannot change while in use
      ["CreateCacheCluster", { CacheClusterId: "cluster-on", Engine: "redis", CacheParameterGroupName: "default.redis7.cluster.on" }, "InvalidParameterCombination", 400],
      ["CreateReplicationGroup", { ReplicationGroupId: "cluster-off", ReplicationGroupDescription: "d", NumNodeGroups: 2, CacheParameterGroupName: "app-params" }, "InvalidParameterCombination", 400],
      ["CreateReplicationGroup", { ReplicationGroupId: "cluster-on", ReplicationGroupDescription: "d", ClusterMode: "disabled", CacheParameterGroupName: "default.redis7.cluster.on" }, "InvalidParameterCombination", 400],
      ["ModifyCacheParameterGroup", { CacheParameterGroupName: "app-params", ParameterNameValues: [{ ParameterName: "cluster-enabled", ParameterValue: "yes" }] }, "InvalidParameterCombination", 400],
      ["CreateCacheCluster", { CacheClusterId: "no-group", Engine: "redis", CacheParameterGroupName: "nope" }, "CacheParameterGroupNotFound", 404],
    ];
    for (const [operation, input, code, status] of cases) {
      const error = await failure(target.api.send(operation, input));
      expect([error.code, error.status], `${operation} ${JSON.stringify(input).slice(0, 120)}`).toEqual([code, status]);
    }
    expect((await target.api.send("DescribeCacheParameters", { CacheParameterGroupName: "app-params", Source: "user" })).Parameters).toEqual([]);
    expect((await target.api.rest("GET", `${GROUPS}/wrong-family`)).status).toBe(404);
  });
});
