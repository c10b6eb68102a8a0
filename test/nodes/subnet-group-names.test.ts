/**
 * Every valid cache subnet group name works end to end, with both runtimes: a name that starts
 * with "-" (which Docker refuses as a network name of its own) and one of 255 characters (longer
 * than a volume or file name may be) give available groups and clusters whose nodes serve.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS, GROUPS } from "../helpers/clients.ts";
import {
  closeRedisClients,
  dockerNetworks,
  endpointsOf,
  memcachedGet,
  memcachedSet,
  redisCommand,
  runtimesUnderTest,
  startNodeServer,
  waitForValue,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();
const LONG = `-${"Z".repeat(254)}`;

afterAll(() => closeRedisClients());

describe.each(RUNTIMES)("cache subnet group names (%s runtime)", (runtime) => {
  let target: NodeServer;
  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: "sgn" });
    for (const name of ["-rf", LONG]) {
      await target.api.send("CreateCacheSubnetGroup", { CacheSubnetGroupName: name, CacheSubnetGroupDescription: "odd name", SubnetIds: ["subnet-0000aaaa"] });
    }
  });
  afterAll(async () => target?.destroy());

  it("a replication group in subnet group -rf becomes available and replicates", async () => {
    const response = await target.api.rest("POST", `${GROUPS}?wait=true`, {
      ReplicationGroupId: "in-rf",
      ReplicationGroupDescription: "d",
      NumCacheClusters: 2,
      CacheSubnetGroupName: "-rf",
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const group = response.body.ReplicationGroup;
    expect(group.Status).toBe("available");
    const { primary, members } = endpointsOf(group);
    await redisCommand(primary, "SET", "k", "v");
    await waitForValue(members["in-rf-002"].endpoint, "k", "v");
    if (runtime === "docker") expect(await dockerNetworks(target.instance)).toContain("-rf");
  });

  it("a Memcached cluster in a 255-character subnet group starting with - becomes available", async () => {
    const response = await target.api.rest("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "in-long", Engine: "memcached", CacheSubnetGroupName: LONG });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const cluster = response.body.CacheCluster;
    expect(cluster.CacheClusterStatus).toBe("available");
    const endpoint = cluster.CacheNodes[0].Endpoint;
    await memcachedSet(endpoint, "k", "v");
    expect(await memcachedGet(endpoint, "k")).toBe("v");
    if (runtime === "docker") expect(await dockerNetworks(target.instance)).toContain(LONG.toLowerCase());
  });
});
