/**
 * Memcached clusters' ConfigurationEndpoint, through the control plane, with both runtimes: the
 * Auto Discovery reply is byte-exact, its version goes up with every node added or removed, and
 * ordinary commands pass through to the nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import {
  memcachedGet,
  memcachedRaw,
  memcachedSet,
  runtimesUnderTest,
  startNodeServer,
  type Endpoint,
  type NodeServer,
  type RuntimeKind,
} from "../helpers/nodes.ts";

const runtimes = await runtimesUnderTest();

/** The reply ElastiCache sends, built from the cluster as DescribeCacheClusters shows it. */
function expectedReply(version: number, nodes: { Endpoint: Endpoint }[]): string {
  const entries = nodes.map((node) => `${node.Endpoint.Address}|${node.Endpoint.Address}|${node.Endpoint.Port}`).join(" ");
  const body = `${version}\n${entries}\n`;
  return `CONFIG cluster 0 ${Buffer.byteLength(body)}\r\n${body}\r\nEND\r\n`;
}

const configGetCluster = (endpoint: Endpoint) => memcachedRaw(endpoint, "config get cluster\r\n", (reply) => reply.endsWith("END\r\n"));

describe.each(runtimes)("Memcached auto discovery with the %s runtime", (runtime: RuntimeKind) => {
  let target: NodeServer;

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: `ad${runtime[0]}` });
  });
  afterAll(async () => target?.destroy());

  it("answers config get cluster byte for byte, follows node changes, and passes other commands through", async () => {
    const { CacheCluster: created } = await target.api.ok("POST", "/v1/cache-clusters?wait=true", {
      CacheClusterId: "sessions",
      Engine: "memcached",
      NumCacheNodes: 3,
    });
    expect(created.CacheClusterStatus).toBe("available");
    const endpoint: Endpoint = created.ConfigurationEndpoint;
    expect(endpoint.Port).toBeGreaterThan(0);
    expect(created.CacheNodes.map((node: any) => node.Endpoint.Port)).not.toContain(endpoint.Port);

    expect(await configGetCluster(endpoint)).toBe(expectedReply(1, created.CacheNodes));
    const legacy = await memcachedRaw(endpoint, "get AmazonElastiCache:cluster\r\n", (reply) => reply.endsWith("END\r\n"));
    expect(legacy.startsWith("VALUE AmazonElastiCache:cluster 0 ")).toBe(true);

    // Ordinary commands reach a node; the value is then on exactly one of the nodes.
    await memcachedSet(endpoint, "user:1", "alice");
    expect(await memcachedGet(endpoint, "user:1")).toBe("alice");
    const holders = await Promise.all(created.CacheNodes.map((node: any) => memcachedGet(node.Endpoint, "user:1")));
    expect(holders.filter((value) => value === "alice")).toHaveLength(1);

    const { CacheCluster: grown } = await target.api.ok("PATCH", "/v1/cache-clusters/sessions?wait=true", { NumCacheNodes: 4, ApplyImmediately: true });
    expect(grown.CacheNodes).toHaveLength(4);
    expect(await configGetCluster(endpoint)).toBe(expectedReply(2, grown.CacheNodes));

    const { CacheCluster: shrunk } = await target.api.ok("PATCH", "/v1/cache-clusters/sessions?wait=true", {
      NumCacheNodes: 2,
      CacheNodeIdsToRemove: ["0001", "0003"],
      ApplyImmediately: true,
    });
    expect(shrunk.CacheNodes.map((node: any) => node.CacheNodeId)).toEqual(["0002", "0004"]);
    expect(await configGetCluster(endpoint)).toBe(expectedReply(3, shrunk.CacheNodes));

    await target.api.ok("DELETE", "/v1/cache-clusters/sessions?wait=true");
    // The endpoint closes with its cluster (right after the delete completes).
    await eventually(async () => configGetCluster(endpoint).then(() => false, () => true), 5_000, "the configuration endpoint to close");
  });
});
