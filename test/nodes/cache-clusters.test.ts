/**
 * Cache clusters on real nodes, with both runtimes: DescribeCacheEngineVersions lists what this
 * machine runs (the host's redis-server and memcached, which the local images carry too), a
 * standalone Redis cluster whose reboot really restarts its node, and a 3-node Memcached cluster
 * (set/get on every node) grown to 4 nodes and shrunk with CacheNodeIdsToRemove, the removed
 * nodes really gone and the others untouched (their data is still there).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS } from "../helpers/clients.ts";
import {
  closeRedisClients,
  memcachedGet,
  memcachedSet,
  memcachedStats,
  nodeGone,
  nodeIdentity,
  redisCommand,
  redisInfo,
  runningNodes,
  runtimesUnderTest,
  startNodeServer,
  type Endpoint,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();
const run = promisify(execFile);

/** Versions of the engines installed on this machine. */
async function hostVersions(): Promise<{ redis: string; memcached: string }> {
  const redis = /v=(\d+\.\d+\.\d+)/.exec((await run("redis-server", ["--version"])).stdout)?.[1];
  const memcached = /memcached (\d+\.\d+\.\d+)/.exec((await run("memcached", ["-V"])).stdout)?.[1];
  if (!redis || !memcached) throw new Error("cannot read the host's engine versions");
  return { redis, memcached };
}
const ADDED = /^Added cache node (\d{4}) in availability zone us-east-1[a-z]$/;

afterAll(() => closeRedisClients());

const endpointsOf = (cluster: any): Record<string, Endpoint> =>
  Object.fromEntries(cluster.CacheNodes.map((node: any) => [node.CacheNodeId, node.Endpoint]));

describe.each(RUNTIMES)("cache clusters on real nodes (%s runtime)", (runtime) => {
  let target: NodeServer;
  let host: { redis: string; memcached: string };
  beforeAll(async () => {
    [target, host] = await Promise.all([startNodeServer(runtime, { tag: "cc" }), hostVersions()]);
  });
  afterAll(async () => target?.destroy());

  describe("DescribeCacheEngineVersions", () => {
    it("lists exactly Redis 7.0.x and Memcached 1.6.x, the versions of this machine (AWS SDK)", async () => {
      expect(host.redis).toMatch(/^7\.0\.\d+$/);
      expect(host.memcached).toMatch(/^1\.6\.\d+$/);
      const out = await target.api.send("DescribeCacheEngineVersions", {});
      const offers = out.CacheEngineVersions.map((offer: any) => [offer.Engine, offer.EngineVersion, offer.CacheParameterGroupFamily]);
      expect(offers).toContainEqual(["redis", host.redis, "redis7"]);
      expect(offers).toContainEqual(["memcached", host.memcached, "memcached1.6"]);
      // Nothing this machine cannot run: Valkey only where a valkey-server binary exists (never with the local images).
      const others = offers.filter(([engine]: string[]) => engine !== "redis" && engine !== "memcached");
      if (runtime === "docker") expect(others).toEqual([]);
      for (const [engine] of others) expect(engine).toBe("valkey");
      expect(offers.filter(([engine]: string[]) => engine === "redis")).toHaveLength(1);
      expect(offers.filter(([engine]: string[]) => engine === "memcached")).toHaveLength(1);
      for (const offer of out.CacheEngineVersions) {
        expect(offer.CacheEngineDescription).toBeTruthy();
        expect(offer.CacheEngineVersionDescription).toContain(offer.EngineVersion);
      }
    });

    it("filters by engine, version prefix and DefaultOnly through REST", async () => {
      const redis = await target.api.ok("GET", "/v1/cache-engine-versions?Engine=redis&EngineVersion=7.0");
      expect(redis.CacheEngineVersions.map((offer: any) => offer.EngineVersion)).toEqual([host.redis]);
      const memcached = await target.api.ok("GET", "/v1/cache-engine-versions?Engine=memcached&DefaultOnly=true");
      expect(memcached.CacheEngineVersions.map((offer: any) => offer.EngineVersion)).toEqual([host.memcached]);
      const none = await target.api.ok("GET", "/v1/cache-engine-versions?Engine=redis&EngineVersion=6.2");
      expect(none.CacheEngineVersions).toEqual([]);
    });
  });

  describe("standalone Redis", () => {
    const id = "solo-redis";

    it("CreateCacheCluster (AWS SDK) gives one real Redis node, alone (a master without replicas)", async () => {
      const created = await target.api.send("CreateCacheCluster", { CacheClusterId: id, Engine: "redis", EngineVersion: "7.0", CacheNodeType: "cache.t3.small", NumCacheNodes: 1 });
      expect(created.CacheCluster.CacheClusterStatus).toBe("creating");
      const cluster = await target.api.waitCluster(id);
      expect(cluster.NumCacheNodes).toBe(1);
      expect(cluster.CacheNodes.map((node: any) => node.CacheNodeId)).toEqual(["0001"]);
      expect(cluster.ReplicationGroupId).toBeUndefined();
      expect(cluster.EngineVersion).toBe(host.redis);
      const endpoint = cluster.CacheNodes[0].Endpoint;
      expect((await redisInfo(endpoint, "server")).redis_version).toBe(host.redis);
      expect(endpoint.Address).toBe("127.0.0.1");
      expect(await redisCommand(endpoint, "SET", "k", "v")).toBe("OK");
      expect(await redisCommand(endpoint, "GET", "k")).toBe("v");
      const info = await redisInfo(endpoint);
      expect(info.role).toBe("master");
      expect(info.connected_slaves).toBe("0");
      // cache.t3.small: 1403 MiB.
      expect(await redisCommand(endpoint, "CONFIG", "GET", "maxmemory")).toEqual(["maxmemory", String(1403 * 1024 * 1024)]);
      expect(await runningNodes(target)).toContain(`${id}-0001`);
    });

    it("RebootCacheCluster really restarts the node (new run_id, new pid / container start) and it serves again", async () => {
      const cluster = await target.api.cluster(id);
      const endpoint = cluster.CacheNodes[0].Endpoint;
      const runIdBefore = (await redisInfo(endpoint, "server")).run_id;
      const identityBefore = await nodeIdentity(target, `${id}-0001`);
      expect(identityBefore).toBeDefined();

      const rebooting = await target.api.send("RebootCacheCluster", { CacheClusterId: id, CacheNodeIdsToReboot: ["0001"] });
      expect(rebooting.CacheCluster.CacheClusterStatus).toBe("rebooting cluster nodes");
      const after = await target.api.waitCluster(id);
      expect(after.CacheNodes[0].CacheNodeStatus).toBe("available");
      expect(after.CacheNodes[0].Endpoint).toEqual(endpoint);

      expect((await redisInfo(endpoint, "server")).run_id).not.toBe(runIdBefore);
      const identityAfter = await nodeIdentity(target, `${id}-0001`);
      expect(identityAfter).toBeDefined();
      expect(identityAfter).not.toBe(identityBefore);
      expect(await redisCommand(endpoint, "SET", "k2", "v2")).toBe("OK");
      expect(await redisCommand(endpoint, "GET", "k2")).toBe("v2");
      expect((await redisInfo(endpoint)).role).toBe("master");
      const messages = (await target.api.events("cache-cluster", id)).map((event) => event.Message);
      expect(messages[0]).toBe("Cache cluster created");
      expect(messages).toContain("Cache node 0001 restarted");
    });
  });

  describe("Memcached with 3 nodes", () => {
    const id = "mc3";
    let identities: Record<string, string | undefined> = {};

    it("CreateCacheCluster through plain HTTP ?wait=true: 3 real memcached nodes, set/get on each", async () => {
      const response = await target.api.rest("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: id, Engine: "memcached", NumCacheNodes: 3, AZMode: "cross-az" });
      expect(response.status).toBe(200);
      const created = response.body.CacheCluster;
      expect(created.CacheClusterStatus).toBe("available");
      expect(created.Engine).toBe("memcached");
      expect(created.EngineVersion).toBe(host.memcached);
      expect(created.NumCacheNodes).toBe(3);
      const cluster = await target.api.cluster(id);
      expect(cluster.CacheNodes.map((node: any) => node.CacheNodeId)).toEqual(["0001", "0002", "0003"]);
      const endpoints = endpointsOf(cluster);
      expect(new Set(Object.values(endpoints).map((endpoint) => endpoint.Port)).size).toBe(3);
      for (const [nodeId, endpoint] of Object.entries(endpoints)) {
        expect(cluster.CacheNodes.find((node: any) => node.CacheNodeId === nodeId).CacheNodeStatus).toBe("available");
        await memcachedSet(endpoint, `key-${nodeId}`, `value on ${nodeId}`);
        expect(await memcachedGet(endpoint, `key-${nodeId}`)).toBe(`value on ${nodeId}`);
        const stats = await memcachedStats(endpoint);
        expect(stats.version).toBe(created.EngineVersion);
        identities[nodeId] = await nodeIdentity(target, `${id}-${nodeId}`);
        expect(identities[nodeId]).toBeDefined();
      }
      // Nodes are independent caches: a key lives only where it was set.
      expect(await memcachedGet(endpoints["0002"], "key-0001")).toBeUndefined();
      const messages = (await target.api.events("cache-cluster", id)).map((event) => event.Message);
      expect(messages[0]).toBe("Cache cluster created");
      expect(messages.filter((message) => ADDED.test(message)).map((message) => ADDED.exec(message)![1]).sort()).toEqual(["0001", "0002", "0003"]);
    });

    it("ModifyCacheCluster NumCacheNodes 4 adds a fourth real node; the others keep running with their data", async () => {
      const modified = await target.api.send("ModifyCacheCluster", { CacheClusterId: id, NumCacheNodes: 4, ApplyImmediately: true });
      expect(modified.CacheCluster.CacheClusterStatus).toBe("modifying");
      const cluster = await target.api.waitCluster(id);
      expect(cluster.NumCacheNodes).toBe(4);
      expect(cluster.CacheNodes.map((node: any) => node.CacheNodeId)).toEqual(["0001", "0002", "0003", "0004"]);
      const endpoints = endpointsOf(cluster);
      await memcachedSet(endpoints["0004"], "key-0004", "value on 0004");
      expect(await memcachedGet(endpoints["0004"], "key-0004")).toBe("value on 0004");
      for (const nodeId of ["0001", "0002", "0003"]) {
        expect(await memcachedGet(endpoints[nodeId], `key-${nodeId}`)).toBe(`value on ${nodeId}`);
        expect(await nodeIdentity(target, `${id}-${nodeId}`)).toBe(identities[nodeId]);
      }
      identities["0004"] = await nodeIdentity(target, `${id}-0004`);
      const messages = (await target.api.events("cache-cluster", id)).map((event) => event.Message);
      expect(messages).toContain("Cache cluster modified");
      expect(messages.filter((message) => ADDED.test(message)).map((message) => ADDED.exec(message)![1]).sort()).toEqual(["0001", "0002", "0003", "0004"]);
    });

    it("ModifyCacheCluster NumCacheNodes 2 with CacheNodeIdsToRemove removes exactly those nodes", async () => {
      const before = endpointsOf(await target.api.cluster(id));
      const response = await target.api.rest("PATCH", `${CLUSTERS}/${id}`, { NumCacheNodes: 2, CacheNodeIdsToRemove: ["0002", "0004"], ApplyImmediately: true });
      expect(response.status).toBe(200);
      expect(response.body.CacheCluster.CacheClusterStatus).toBe("modifying");
      const cluster = await target.api.waitCluster(id);
      expect(cluster.NumCacheNodes).toBe(2);
      expect(cluster.CacheNodes.map((node: any) => node.CacheNodeId)).toEqual(["0001", "0003"]);
      for (const nodeId of ["0002", "0004"]) {
        expect(await nodeGone(target, `${id}-${nodeId}`, identities[nodeId])).toBe(true);
        await expect(memcachedGet(before[nodeId], "anything")).rejects.toThrow();
      }
      for (const nodeId of ["0001", "0003"]) {
        expect(await nodeIdentity(target, `${id}-${nodeId}`)).toBe(identities[nodeId]);
        expect(await memcachedGet(before[nodeId], `key-${nodeId}`)).toBe(`value on ${nodeId}`);
      }
      expect((await runningNodes(target)).filter((node) => node.startsWith(`${id}-`))).toEqual([`${id}-0001`, `${id}-0003`]);
      const messages = (await target.api.events("cache-cluster", id)).map((event) => event.Message);
      expect(messages).toEqual(expect.arrayContaining(["Removed cache node 0002", "Removed cache node 0004"]));
    });
  });
});
