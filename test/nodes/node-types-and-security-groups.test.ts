/**
 * Two things infrastructure code changes on a running cache (issue 12), with real nodes and the
 * AWS CLI and SDK:
 * - CacheNodeType: a Memcached node's memory limit is a start flag, so a new node type replaces
 *   every node (same endpoints, new limit, empty as on AWS); a Redis group takes the new maxmemory
 *   on every node live, keeping its data.
 * - SecurityGroupIds: echoed back in SecurityGroups on create and modify (members of a group
 *   carry the group's), the documentation's short ids accepted, malformed ones refused.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryOf } from "../../src/domain/catalog.ts";
import {
  closeRedisClients,
  endpointsOf as groupEndpointsOf,
  memcachedGet,
  memcachedSet,
  memcachedStats,
  redisCommand,
  runtimesUnderTest,
  startNodeServer,
  type Endpoint,
  waitForValue,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();
const run = promisify(execFile);
const credentials = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1" };

afterAll(() => closeRedisClients());

const MiB = 1024 * 1024;
const nodeEndpoints = (cluster: any): Endpoint[] => cluster.CacheNodes.map((node: any) => node.Endpoint);
const securityGroupsOf = (cluster: any): string[] => cluster.SecurityGroups.map((group: any) => group.SecurityGroupId);

describe.each(RUNTIMES)("CacheNodeType on a running cache (%s runtime)", (runtime) => {
  let target: NodeServer;
  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: "ntype" });
  });
  afterAll(async () => target?.destroy());

  it("a Memcached cluster's nodes are replaced with the new type's memory limit, on the same endpoints", async () => {
    const id = "mc-resize";
    await target.api.send("CreateCacheCluster", { CacheClusterId: id, Engine: "memcached", NumCacheNodes: 2, CacheNodeType: "cache.t3.micro" });
    const before = await target.api.waitCluster(id);
    const endpoints = nodeEndpoints(before);
    for (const endpoint of endpoints) {
      expect(Number((await memcachedStats(endpoint)).limit_maxbytes)).toBe(memoryOf("cache.t3.micro")! * MiB);
      await memcachedSet(endpoint, "k", "before");
    }

    const refused = await target.api
      .send("ModifyCacheCluster", { CacheClusterId: id, CacheNodeType: "cache.t3.small", ScaleConfig: { ScalePercentage: 5 }, ApplyImmediately: true })
      .catch((error) => error);
    expect([refused.code, refused.status]).toEqual(["InvalidParameterValue", 400]);
    expect((await target.api.cluster(id)).CacheNodeType).toBe("cache.t3.micro");

    const modified = await target.api.send("ModifyCacheCluster", {
      CacheClusterId: id,
      CacheNodeType: "cache.t3.small",
      ScaleConfig: { ScalePercentage: 50, ScaleIntervalMinutes: 2 },
      ApplyImmediately: true,
    });
    expect(modified.CacheCluster.CacheClusterStatus).toBe("modifying");
    const after = await target.api.waitCluster(id);
    expect(after.CacheNodeType).toBe("cache.t3.small");
    expect(nodeEndpoints(after)).toEqual(endpoints);
    for (const endpoint of endpoints) {
      expect(Number((await memcachedStats(endpoint)).limit_maxbytes)).toBe(memoryOf("cache.t3.small")! * MiB);
      // A new node: Memcached keeps nothing across a replacement (AWS: "starts out empty").
      expect(await memcachedGet(endpoint, "k")).toBeUndefined();
    }
    const messages = (await target.api.events("cache-cluster", id)).map((event) => event.Message);
    expect(messages).toContain("Cache node 0001 restarted");
    expect(messages).toContain("Cache node 0002 restarted");
    expect(messages.filter((message) => message === "Cache cluster modified").length).toBeGreaterThanOrEqual(1);
  });

  it("a Redis group takes the new type's maxmemory on every node, keeping its data", async () => {
    const id = "rg-resize";
    await target.api.send("CreateReplicationGroup", {
      ReplicationGroupId: id,
      ReplicationGroupDescription: "resize",
      NumCacheClusters: 2,
      CacheNodeType: "cache.t3.micro",
    });
    const group = await target.api.waitGroup(id);
    const { primary, members } = groupEndpointsOf(group);
    await redisCommand(primary, "SET", "kept", "yes");

    await target.api.send("ModifyReplicationGroup", { ReplicationGroupId: id, CacheNodeType: "cache.t3.small", ApplyImmediately: true });
    const after = await target.api.waitGroup(id);
    expect(after.CacheNodeType).toBe("cache.t3.small");
    for (const { endpoint } of Object.values(members)) {
      expect(await redisCommand(endpoint, "CONFIG", "GET", "maxmemory")).toEqual(["maxmemory", String(memoryOf("cache.t3.small")! * MiB)]);
      // Replicas got the key by replication (not restarted: nothing to resync).
      await waitForValue(endpoint, "kept", "yes");
    }
    expect(await redisCommand(primary, "GET", "kept")).toBe("yes");
  });
});

describe("SecurityGroupIds (AWS CLI and SDK, process runtime)", () => {
  let target: NodeServer;
  beforeAll(async () => {
    target = await startNodeServer("process", { tag: "sgids" });
  });
  afterAll(async () => target?.destroy());

  async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run("aws", ["--endpoint-url", target.server.url, "--output", "json", "elasticache", ...args], {
        env: { ...process.env, ...credentials },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it("a cache cluster echoes the ids it was created with, and the ones a modify gives it", async () => {
    const created = await aws("create-cache-cluster", "--cache-cluster-id", "sg-cluster", "--engine", "memcached", "--num-cache-nodes", "1",
      "--security-group-ids", "sg-123", "sg-0abc1234");
    expect(created.code, created.stderr).toBe(0);
    expect(securityGroupsOf(JSON.parse(created.stdout).CacheCluster)).toEqual(["sg-123", "sg-0abc1234"]);
    await target.api.waitCluster("sg-cluster");

    const modified = await aws("modify-cache-cluster", "--cache-cluster-id", "sg-cluster", "--security-group-ids", "sg-456", "--apply-immediately");
    expect(modified.code, modified.stderr).toBe(0);
    const described = JSON.parse((await aws("describe-cache-clusters", "--cache-cluster-id", "sg-cluster")).stdout).CacheClusters[0];
    expect(securityGroupsOf(described)).toEqual(["sg-456"]);
    expect(described.SecurityGroups[0].Status).toBe("active");
  });

  it("members of a replication group carry the group's ids, on create and after ModifyReplicationGroup", async () => {
    await target.api.send("CreateReplicationGroup", {
      ReplicationGroupId: "sg-group",
      ReplicationGroupDescription: "sg",
      NumCacheClusters: 2,
      SecurityGroupIds: ["sg-aaa"],
    });
    const group = await target.api.waitGroup("sg-group");
    for (const member of group.MemberClusters) expect(securityGroupsOf(await target.api.cluster(member))).toEqual(["sg-aaa"]);

    await target.api.send("ModifyReplicationGroup", { ReplicationGroupId: "sg-group", SecurityGroupIds: ["sg-bbb", "sg-ccc"], ApplyImmediately: true });
    for (const member of group.MemberClusters) expect(securityGroupsOf(await target.api.cluster(member))).toEqual(["sg-bbb", "sg-ccc"]);
    // A member's own security groups are the group's to change.
    const refused = await target.api.send("ModifyCacheCluster", { CacheClusterId: group.MemberClusters[0], SecurityGroupIds: ["sg-ddd"] }).catch((error) => error);
    expect([refused.code, refused.status]).toEqual(["InvalidParameterCombination", 400]);
  });

  it("without ids, the imagined VPC's default group is reported; a malformed id is refused with what is accepted", async () => {
    await target.api.send("CreateCacheCluster", { CacheClusterId: "sg-none", Engine: "redis", NumCacheNodes: 1 });
    const [defaultGroup] = securityGroupsOf(await target.api.cluster("sg-none"));
    expect(defaultGroup).toMatch(/^sg-[0-9a-f]{17}$/);

    const refused = await aws("create-cache-cluster", "--cache-cluster-id", "sg-bad", "--engine", "redis", "--num-cache-nodes", "1",
      "--security-group-ids", "security-1");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("InvalidParameterValue");
    expect(refused.stderr).toContain("'sg-' followed by");
    expect(await target.api.rest("GET", "/v1/cache-clusters/sg-bad").then((response) => response.status)).toBe(404);
  });
});
