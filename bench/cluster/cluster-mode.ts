/**
 * Cluster mode enabled, process runtime, in one run:
 * - create -> available of 3 shards x 2 nodes through the API, beside the same Redis Cluster made
 *   by hand (6 redis-server with cluster-enabled yes, `redis-cli --cluster create --cluster-replicas 1`,
 *   until every node says cluster_state:ok);
 * - shard failover recovery: kill -9 of a shard primary until the first acknowledged write to a key
 *   of that shard through ioredis Cluster (via the configuration endpoint), median and p95 over the
 *   runs, with acknowledged writes lost counted;
 * - online resharding of 100,000 keys from 2 to 3 shards: duration, and client errors (ioredis
 *   follows MOVED and ASK itself, so any error it throws is one of the others).
 * Usage: npm run bench -- cluster   (or npx tsx bench/cluster/cluster-mode.ts [failover runs])
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { startServer, type RunningServer } from "../../test/helpers/server.ts";
import { api } from "../lib/api.ts";
import { fmt, median, percentile, table } from "../lib/measure.ts";
import { clusterByHand, until } from "./by-hand.ts";
import { readyClusterClient } from "../../test/helpers/cluster-client.ts";

const run = promisify(execFile);
const failoverRuns = Number(process.argv[2]) || 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** The baseline: 6 cluster nodes started and joined with redis-cli --cluster create, as by hand. */
async function byHand(): Promise<number> {
  const cluster = await clusterByHand();
  cluster.stop();
  return cluster.elapsedMs;
}

const createCluster = (url: string, id: string, shards: number) =>
  api(url, "POST", "/v1/replication-groups?wait=true&waitSeconds=180", { ReplicationGroupId: id, ReplicationGroupDescription: "bench", NumNodeGroups: shards, ReplicasPerNodeGroup: 1 });
const deleteGroup = (url: string, id: string) => api(url, "DELETE", `/v1/replication-groups/${id}?wait=true&waitSeconds=120`);
const group = async (url: string, id: string) => (await api(url, "GET", `/v1/replication-groups/${id}`)).ReplicationGroup;

async function settled(url: string, id: string): Promise<any> {
  for (;;) {
    const current = await group(url, id);
    const clusters = await Promise.all(current.MemberClusters.map((member: string) => api(url, "GET", `/v1/cache-clusters/${member}?ShowCacheNodeInfo=true`)));
    if (current.Status === "available" && clusters.every(({ CacheCluster }) => CacheCluster.CacheNodes.every((node: any) => node.CacheNodeStatus === "available"))) return current;
    await sleep(50);
  }
}

/** A ready cluster client with the bench's short timeouts (test/helpers/cluster-client.ts). */
const clusterClient = (endpoint: { Address: string; Port: number }, commandTimeout = 500) =>
  readyClusterClient(endpoint, { commandTimeout, connectTimeout: 500, retryMs: 20 });

async function createTimes(server: RunningServer, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await createCluster(server.url, `c${i}`, 3);
    times.push(performance.now() - started);
    await deleteGroup(server.url, `c${i}`);
  }
  return times;
}

/** One shard's primary killed while a client writes keys of that shard only (one hash tag). */
async function failoverTimes(server: RunningServer, dataDir: string): Promise<{ times: number[]; lost: number; acked: number }> {
  const created = (await createCluster(server.url, "fo", 3)).ReplicationGroup;
  const client = await clusterClient(created.ConfigurationEndpoint);
  const times: number[] = [];
  let lost = 0;
  let ackedTotal = 0;
  try {
    for (let runIndex = 0; runIndex < failoverRuns; runIndex++) {
      const current = await settled(server.url, "fo");
      const tag = `{r${runIndex}}`;
      const slot = Number(await client.cluster("KEYSLOT", tag));
      const shard = current.NodeGroups.find((nodeGroup: any) => nodeGroup.Slots.split(",").some((range: string) => {
        const [start, end] = range.split("-").map(Number);
        return slot >= start && slot <= end;
      }));
      const primary = shard.NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
      const acked: number[] = [];
      // When each acknowledged write was sent: a write sent before the kill may be acknowledged by
      // the old primary yet seen here only after the kill (a busy event loop), which is no recovery.
      const sentTimes: number[] = [];
      const ackTimes: number[] = [];
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const sent = performance.now();
          try {
            await client.set(`${tag}:${i}`, String(i));
            acked.push(i);
            sentTimes.push(sent);
            ackTimes.push(performance.now());
          } catch {
            await sleep(2);
          }
        }
      })();
      await until(async () => acked.length > 200);
      if (process.env.ECL_BENCH_DEBUG) console.error(`run ${runIndex}: killing ${primary} (slot ${slot})`);
      const pid = Number(readFileSync(path.join(dataDir, "nodes", `${primary}-0001`, "pid"), "utf8"));
      const killedAt = performance.now();
      process.kill(pid, "SIGKILL");
      await until(async () => sentTimes.some((time) => time > killedAt));
      times.push(ackTimes[sentTimes.findIndex((time) => time > killedAt)] - killedAt);
      writing = false;
      await writer;
      // Read back once the shard has settled; a read that errors is retried, not counted as lost.
      await settled(server.url, "fo");
      const read = async (key: string): Promise<string | null> => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await client.get(key);
          } catch (error) {
            if (attempt > 50) throw error;
            await sleep(20);
          }
        }
      };
      const values = await Promise.all(acked.map((i) => read(`${tag}:${i}`)));
      lost += values.filter((value, index) => value !== String(acked[index])).length;
      ackedTotal += acked.length;
    }
  } finally {
    client.disconnect();
    await settled(server.url, "fo");
    await deleteGroup(server.url, "fo");
  }
  return { times, lost, acked: ackedTotal };
}

/** 100,000 keys, 2 -> 3 shards, while a client keeps writing. */
async function reshard(server: RunningServer): Promise<{ ms: number; errors: number; writes: number; lost: number; kinds: string }> {
  const created = (await createCluster(server.url, "rs", 2)).ReplicationGroup;
  // A write may wait behind a MIGRATE batch on its slot's node: 5 s, as an application's timeout, not the failover bench's 500 ms.
  const client = await clusterClient(created.ConfigurationEndpoint, 5000);
  try {
    await until(async () => (await client.ping()) === "PONG");
    // Keys of many slots cannot share a cluster pipeline: 200 concurrent SETs at a time (ioredis pipelines them per node), each retried.
    const retried = async (i: number) => {
      for (;;) {
        try {
          return await client.set(`k:${i}`, String(i));
        } catch {
          await sleep(5);
        }
      }
    };
    for (let base = 0; base < 100_000; base += 200) await Promise.all(Array.from({ length: 200 }, (_, i) => retried(base + i)));
    let errors = 0;
    const kinds = new Map<string, number>();
    const acked: number[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        try {
          await client.set(`live:${i}`, String(i));
          acked.push(i);
        } catch (error) {
          errors++;
          const kind = String((error as Error).message).slice(0, 60);
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          await sleep(2);
        }
      }
    })();
    const started = performance.now();
    await run("aws", ["elasticache", "modify-replication-group-shard-configuration", "--replication-group-id", "rs", "--node-group-count", "3", "--apply-immediately",
      "--endpoint-url", server.url, "--output", "json"], { env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" } });
    await until(async () => {
      const current = await group(server.url, "rs");
      return current.Status === "available" && current.NodeGroups.length === 3;
    });
    const ms = performance.now() - started;
    writing = false;
    await writer;
    const values: (string | null)[] = [];
    for (let base = 0; base < 100_000; base += 200) values.push(...(await Promise.all(Array.from({ length: 200 }, (_, i) => client.get(`k:${base + i}`).catch(() => null)))));
    const lostPreloaded = values.filter((value, i) => value !== String(i)).length;
    const live = await Promise.all(acked.map((i) => client.get(`live:${i}`)));
    return {
      ms,
      errors,
      writes: acked.length,
      lost: lostPreloaded + live.filter((value, index) => value !== String(acked[index])).length,
      kinds: [...kinds].map(([kind, count]) => `${count}x "${kind}"`).join(", ") || "none",
    };
  } finally {
    client.disconnect();
    await deleteGroup(server.url, "rs");
  }
}

export async function benchCluster(): Promise<string> {
  const createRuns = 3;
  const hand: number[] = [];
  for (let i = 0; i < createRuns; i++) hand.push(await byHand());
  const server = await startServer({ env: { ECL_RUNTIME: "process", ECL_INSTANCE: `benchc${process.pid}`, ECL_PORT_RANGE: "27000-27199" } });
  try {
    const created = await createTimes(server, createRuns);
    console.error(`create: by hand ${hand.map((ms) => fmt(ms)).join(", ")} ms; API ${created.map((ms) => fmt(ms)).join(", ")} ms`);
    const failover = await failoverTimes(server, server.dataDir);
    console.error(`failover: ${failover.times.map((ms) => fmt(ms)).join(", ")} ms; lost ${failover.lost} of ${failover.acked}`);
    const resharded = await reshard(server);
    return [
      table([
        { what: "redis-cli --cluster create, 6 nodes (by hand)", runs: hand.length, "median ms": fmt(median(hand)), "p95 ms": fmt(percentile(hand, 95)), ratio: "1.00" },
        { what: "CreateReplicationGroup 3x2 -> available", runs: created.length, "median ms": fmt(median(created)), "p95 ms": fmt(percentile(created, 95)), ratio: fmt(median(created) / median(hand), 2) },
        { what: "shard failover: kill -9 -> first write", runs: failover.times.length, "median ms": fmt(median(failover.times)), "p95 ms": fmt(percentile(failover.times, 95)), ratio: "-" },
      ]),
      `shard failover: ${failover.lost} of ${failover.acked} acknowledged writes lost`,
      `resharding 100,000 keys 2 -> 3 shards: ${fmt(resharded.ms)} ms; ${resharded.writes} writes during it, ${resharded.errors} client errors (other than MOVED/ASK, which the client follows: ${resharded.kinds}), ${resharded.lost} keys lost`,
    ].join("\n");
  } finally {
    await server.cleanup(); // stops the control plane and removes its node processes and data directory
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchCluster());
