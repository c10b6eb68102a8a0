/**
 * GET /metrics against real traffic on real nodes (process runtime), parsed by a Prometheus text
 * parser nobody here wrote: N GETs of a key make CacheHits rise by exactly N, N of missing keys
 * CacheMisses, on Redis and on Memcached; roles follow what the nodes say; the control plane
 * counts API calls by operation and AWS code, and open endpoint connections.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, endpointsOf, memcachedGet, memcachedSet, redis, startNodeServer, type NodeServer } from "../helpers/nodes.ts";

interface Sample {
  labels: Record<string, string>;
  value: string;
}
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Sample[];
}

let target: NodeServer;
beforeAll(async () => {
  // Statistics read every 200 ms, so the test waits little for a reading after its traffic.
  target = await startNodeServer("process", { tag: "metrics", env: { ECL_METRICS_INTERVAL_MS: "200", ECL_HEALTH_INTERVAL_MS: "200" } });
});
afterAll(async () => {
  closeRedisClients();
  await target?.destroy();
});

async function scrape(): Promise<Map<string, Family>> {
  const response = await fetch(`${target.server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await response.text()) as Family[];
  return new Map(families.map((family) => [family.name, family]));
}

/** The value of a metric for the node whose labels include `labels`; undefined when not there yet. */
async function valueOf(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const family = (await scrape()).get(name);
  const sample = family?.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels[key] === value));
  return sample === undefined ? undefined : Number(sample.value);
}

/** Waits for the metric to reach exactly `expected` (a reading after the traffic), failing on overshoot. */
async function settlesAt(name: string, labels: Record<string, string>, expected: number): Promise<void> {
  await eventually(
    async () => {
      const value = await valueOf(name, labels);
      if (value !== undefined && value > expected) throw new Error(`${name} overshot: ${value} > ${expected}`);
      return value === expected;
    },
    15_000,
    `${name} ${JSON.stringify(labels)} = ${expected}`,
    100,
  );
}

describe("node metrics with ElastiCache's names", () => {
  it("Redis: N GETs raise CacheHits by N and N misses CacheMisses by N on the primary; IsMaster and roles follow the nodes", async () => {
    await target.api.send("CreateReplicationGroup", { ReplicationGroupId: "m-group", ReplicationGroupDescription: "metrics", NumCacheClusters: 2 });
    const group = await target.api.waitGroup("m-group");
    const { primary } = endpointsOf(group);
    const primaryNode = { cache_cluster: "m-group-001", cache_node: "0001" };
    const hits0 = await eventually(() => valueOf("elasticache_cache_hits_total", primaryNode).then((v) => (v === undefined ? undefined : { v })), 15_000, "a first reading");
    const misses0 = (await valueOf("elasticache_cache_misses_total", primaryNode))!;

    const client = redis(primary);
    await client.set("present", "1");
    const N = 37;
    for (let i = 0; i < N; i++) await client.get("present");
    for (let i = 0; i < N; i++) await client.get(`absent-${i}`);
    await settlesAt("elasticache_cache_hits_total", primaryNode, hits0.v + N);
    await settlesAt("elasticache_cache_misses_total", primaryNode, misses0 + N);

    const families = await scrape();
    expect(families.get("elasticache_cache_hits_total")!.type).toBe("COUNTER");
    expect(families.get("elasticache_cache_hits_total")!.help).toContain("CacheHits");
    const isMaster = families.get("elasticache_is_master")!.metrics.filter((metric) => metric.labels.replication_group === "m-group");
    expect(isMaster.map((metric) => [metric.labels.cache_cluster, metric.labels.role, metric.labels.node_group, metric.value]).sort()).toEqual([
      ["m-group-001", "primary", "0001", "1"],
      ["m-group-002", "replica", "0001", "0"],
    ]);
    const items = (await valueOf("elasticache_curr_items", primaryNode))!;
    expect(items).toBe(1);
    expect((await valueOf("elasticache_bytes_used_for_cache_bytes", primaryNode))!).toBeGreaterThan(0);
    expect((await valueOf("elasticache_get_type_cmds_total", primaryNode))!).toBeGreaterThanOrEqual(2 * N);
    expect((await valueOf("elasticache_set_type_cmds_total", primaryNode))!).toBeGreaterThanOrEqual(1);
    expect(await valueOf("elasticache_replication_lag_seconds", { cache_cluster: "m-group-002" })).toBeGreaterThanOrEqual(0);

    // The endpoint's open connection is counted while it is open, and the bytes it carried both ways
    // (each GET is at least 20 bytes in, "*2\r\n$3\r\nget\r\n$7\r\npresent\r\n" is 26; each reply at least 5 out).
    expect(await valueOf("ecl_endpoint_connections", { endpoint: "m-group/0001", kind: "primary" })).toBeGreaterThanOrEqual(1);
    expect(await valueOf("ecl_endpoint_bytes_total", { endpoint: "m-group/0001", kind: "primary", direction: "in" })).toBeGreaterThanOrEqual(2 * N * 20);
    expect(await valueOf("ecl_endpoint_bytes_total", { endpoint: "m-group/0001", kind: "primary", direction: "out" })).toBeGreaterThanOrEqual(2 * N * 5);
    client.disconnect();
  });

  it("Memcached: N gets of a stored key raise CacheHits by N", async () => {
    await target.api.send("CreateCacheCluster", { CacheClusterId: "m-mc", Engine: "memcached", NumCacheNodes: 1 });
    const cluster = await target.api.waitCluster("m-mc");
    const endpoint = cluster.CacheNodes[0].Endpoint;
    const node = { cache_cluster: "m-mc", cache_node: "0001", engine: "memcached" };
    const hits0 = await eventually(() => valueOf("elasticache_cache_hits_total", node).then((v) => (v === undefined ? undefined : { v })), 15_000, "a first reading");
    await memcachedSet(endpoint, "k", "v");
    const N = 11;
    for (let i = 0; i < N; i++) expect(await memcachedGet(endpoint, "k")).toBe("v");
    await settlesAt("elasticache_cache_hits_total", node, hits0.v + N);
    expect(await valueOf("elasticache_curr_items", node)).toBe(1);
    expect(await valueOf("elasticache_is_master", node)).toBeUndefined();
  });
});

describe("control-plane metrics", () => {
  it("counts API calls by operation and AWS code, over both protocols", async () => {
    const before = (await valueOf("ecl_api_requests_total", { operation: "DescribeReplicationGroups", code: "ReplicationGroupNotFoundFault" })) ?? 0;
    const missing = await target.api.send("DescribeReplicationGroups", { ReplicationGroupId: "no-such-group" }).catch((error) => error);
    expect(missing.code).toBe("ReplicationGroupNotFoundFault");
    expect((await target.api.rest("GET", "/v1/replication-groups/no-such-group")).status).toBe(404);
    expect(await valueOf("ecl_api_requests_total", { operation: "DescribeReplicationGroups", code: "ReplicationGroupNotFoundFault" })).toBe(before + 2);
    expect(await valueOf("ecl_api_requests_total", { operation: "CreateReplicationGroup", code: "OK" })).toBeGreaterThanOrEqual(1);
    const families = await scrape();
    expect(families.get("ecl_api_request_duration_seconds")!.type).toBe("HISTOGRAM");
    expect(Number(families.get("ecl_reconcile_passes_total")!.metrics[0].value)).toBeGreaterThan(0);
    expect(families.has("ecl_process_cpu_seconds_total")).toBe(true);
    // On SQLite there is no lease: the one control plane leads from the start.
    expect(await valueOf("ecl_leader", {})).toBe(1);
  });
});
