/**
 * An in-place change of encryption in transit under a steady write load, both runtimes: a 3-node
 * group holding `keys` keys goes off -> preferred -> required -> preferred -> off (four
 * ModifyReplicationGroup calls, each waited until available) while an application writes through
 * the primary endpoint (plain while plain is served, TLS with the installation's CA in `required`).
 * Per step: modify -> available, the longest time without an acknowledged write, failed writes,
 * and acknowledged writes lost (read back afterwards; must be 0: the primary's writes are paused
 * while its data is saved). Beside it, in the same control plane, a TestFailover of the same
 * group under the same load: the write gap a client already lives with.
 * Usage: npx tsx bench/transit-change.ts [keys]   (env: BENCH_RUNTIMES=process,docker; BENCH_PORT_RANGE=23000-23999)
 */
import { rmSync } from "node:fs";
import { Redis, type RedisOptions } from "ioredis";
import { startServer, type RunningServer } from "../test/helpers/server.ts";
import { ContinuousWriter } from "../test/helpers/writer.ts";
import { api, createGroup } from "./lib/api.ts";
import { fmt, table } from "./lib/measure.ts";

const keys = Number(process.argv[2]) || 100_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ID = "transit";

interface Step {
  name: string;
  input: Record<string, unknown>;
  /** The writer speaks TLS during this step (the group ends it in "required", or starts it there). */
  tls: boolean;
}

const STEPS: Step[] = [
  { name: "off -> preferred", input: { TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" }, tls: false },
  { name: "preferred -> required", input: { TransitEncryptionMode: "required" }, tls: true },
  { name: "TestFailover (required)", input: {}, tls: true },
  { name: "required -> preferred", input: { TransitEncryptionMode: "preferred" }, tls: true },
  { name: "preferred -> off", input: { TransitEncryptionEnabled: false }, tls: false },
];

async function waitAvailable(url: string): Promise<any> {
  for (;;) {
    const { ReplicationGroup } = await api(url, "GET", `/v1/replication-groups/${ID}`);
    if (ReplicationGroup.Status === "available") return ReplicationGroup;
    await sleep(20);
  }
}

/** The longest time between consecutive acknowledged writes, ms. */
function longestGap(ackTimes: number[]): number {
  let gap = 0;
  for (let i = 1; i < ackTimes.length; i++) gap = Math.max(gap, ackTimes[i] - ackTimes[i - 1]);
  return gap;
}

async function load(port: number): Promise<void> {
  const redis = new Redis({ port, host: "127.0.0.1" });
  for (let from = 0; from < keys; from += 10_000) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(keys, from + 10_000); i++) pipeline.set(`data:${i}`, `value-${i}`);
    await pipeline.exec();
  }
  redis.disconnect();
}

async function oneStep(server: RunningServer, step: Step, secure: Pick<RedisOptions, "tls">, prefix: string): Promise<Record<string, string | number>> {
  const port = (await waitAvailable(server.url)).NodeGroups[0].PrimaryEndpoint.Port;
  const writer = new ContinuousWriter(port, "127.0.0.1", prefix, secure);
  await writer.waitForAckAfter(performance.now(), 10_000);
  const started = performance.now();
  if (step.input.TransitEncryptionEnabled === undefined && step.input.TransitEncryptionMode === undefined) {
    const before = await waitAvailable(server.url);
    await api(server.url, "POST", `/v1/replication-groups/${ID}/test-failover`, { NodeGroupId: "0001" });
    // The failover is over once another member is primary and the group is available again.
    const primaryOf = (group: any) => group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary")?.CacheClusterId;
    for (;;) {
      const group = await waitAvailable(server.url);
      if (primaryOf(group) !== primaryOf(before)) break;
      await sleep(20);
    }
  } else {
    await api(server.url, "PATCH", `/v1/replication-groups/${ID}`, { ApplyImmediately: true, ...step.input });
    await waitAvailable(server.url);
  }
  const settledMs = performance.now() - started;
  await writer.waitForAckAfter(performance.now(), 15_000);
  const report = await writer.stop();
  const after = await waitAvailable(server.url);
  const fresh = new Redis({ host: "127.0.0.1", port: after.NodeGroups[0].PrimaryEndpoint.Port, ...(after.TransitEncryptionMode === "required" ? secure : {}) });
  let lost = 0;
  for (let i = 0; i < report.acked.length; i += 1000) {
    const values = await fresh.mget(...report.acked.slice(i, i + 1000).map((n) => `${prefix}${n}`));
    lost += values.filter((value) => value === null).length;
  }
  const kept = await fresh.exists(...Array.from({ length: Math.min(keys, 1000) }, (_, i) => `data:${Math.floor((i * keys) / Math.min(keys, 1000))}`));
  fresh.disconnect();
  return {
    step: step.name,
    "to available ms": fmt(settledMs),
    "longest write gap ms": fmt(longestGap(report.ackTimes)),
    "failed writes": report.failures,
    "acked writes": report.acked.length,
    "acked lost": lost,
    "sampled data keys kept": `${kept}/${Math.min(keys, 1000)}`,
  };
}

async function benchRuntime(runtime: "process" | "docker"): Promise<Record<string, string | number>[]> {
  const server = await startServer({
    env: { ECL_RUNTIME: runtime, ECL_IMAGES: "local", ECL_INSTANCE: `btr${process.pid}`, ECL_PORT_RANGE: process.env.BENCH_PORT_RANGE ?? "23000-23999" },
  });
  try {
    const ca = await (await fetch(`${server.url}/v1/tls/ca.pem`)).text();
    const group = await createGroup(server.url, ID, 3, { AutomaticFailoverEnabled: true });
    await load(group.NodeGroups[0].PrimaryEndpoint.Port);
    const rows = [];
    for (const [index, step] of STEPS.entries()) rows.push({ runtime, ...(await oneStep(server, step, step.tls ? { tls: { ca } } : {}, `s${index}:`)) });
    return rows;
  } finally {
    await server.cleanup();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

export async function benchTransitChange(): Promise<string> {
  const rows = [];
  const wanted = (process.env.BENCH_RUNTIMES ?? "process,docker").split(",");
  for (const runtime of (["process", "docker"] as const).filter((name) => wanted.includes(name))) {
    try {
      rows.push(...(await benchRuntime(runtime)));
    } catch (error) {
      console.error(`${runtime} runtime not measured:`, (error as Error).message);
    }
  }
  return `In-place transit encryption change, 3 nodes, ${keys} keys, one writer through the primary endpoint:\n${table(rows)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchTransitChange());
}
