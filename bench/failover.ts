/**
 * Failover recovery time and acknowledged writes lost, both runtimes: an application writes
 * continuously through the group's PrimaryEndpoint; the primary is SIGKILLed (process) or
 * `docker kill`ed; recovery is the time from the kill to the first acknowledged SET after it.
 * Lost writes are acknowledged writes missing from the new primary afterwards (Redis replication
 * is asynchronous: a write the old primary acknowledged but had not yet streamed is lost).
 * Two groups in the same control plane, their runs interleaved: a plain one and one with transit
 * encryption and an AUTH token (the writer speaks TLS with the CA and logs in; the controllers
 * probe, promote and re-replicate over TLS with the token), so the two are compared side by side.
 * Usage: npx tsx bench/failover.ts [runs] [process,docker]
 * Measured 2026-12-01 (`npx tsx bench/failover.ts 10 process`, 2 shared cores, load average ~20):
 *   process plain     median 698 ms, p95 1288 ms, 0 acknowledged writes lost
 *   process tls-auth  median 812 ms, p95 2783 ms, 0 acknowledged writes lost
 * The Docker runtime's TLS + AUTH group did not finish its second failover in that run (see the
 * branch report: replicas could not reach a restarted container as their new TLS primary).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Redis, type RedisOptions } from "ioredis";
import { containerName } from "../test/helpers/nodes.ts";
import { startServer, type RunningServer } from "../test/helpers/server.ts";
import { ContinuousWriter } from "../test/helpers/writer.ts";
import { api, createGroup } from "./lib/api.ts";
import { fmt, median, percentile, table } from "./lib/measure.ts";

const runs = Number(process.argv[2]) || 10;
const runtimes = (process.argv[3] ?? "process,docker").split(",") as ("process" | "docker")[];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitSettled(url: string, id: string): Promise<any> {
  for (;;) {
    const { ReplicationGroup: group } = await api(url, "GET", `/v1/replication-groups/${id}`);
    const { CacheClusters } = await api(url, "GET", `/v1/cache-clusters?ShowCacheNodeInfo=true`);
    const nodesOk = CacheClusters.filter((cluster: any) => cluster.ReplicationGroupId === id).every((cluster: any) =>
      cluster.CacheNodes.every((node: any) => node.CacheNodeStatus === "available"),
    );
    if (group.Status === "available" && nodesOk) return group;
    await sleep(50);
  }
}

function crash(server: RunningServer, runtime: string, instance: string, node: string): void {
  if (runtime === "process") process.kill(Number(readFileSync(path.join(server.dataDir, "nodes", node, "pid"), "utf8")), "SIGKILL");
  else execFileSync("docker", ["kill", containerName({ instance, server }, node)], { stdio: "ignore" });
}

interface RunResult {
  recoveryMs: number;
  acked: number;
  lost: number;
}

const AUTH_TOKEN = "bench-auth-token-0123456789";

/** The two groups measured: how each is created and how a client connects to it. */
interface Variant {
  id: string;
  create: Record<string, unknown>;
  client(ca: string): Pick<RedisOptions, "tls" | "password">;
}

const VARIANTS: Variant[] = [
  { id: "plain", create: {}, client: () => ({}) },
  { id: "tls-auth", create: { TransitEncryptionEnabled: true, AuthToken: AUTH_TOKEN }, client: (ca) => ({ tls: { ca }, password: AUTH_TOKEN }) },
];

async function oneRun(server: RunningServer, runtime: string, instance: string, id: string, secure: Pick<RedisOptions, "tls" | "password">): Promise<RunResult> {
  const group = await waitSettled(server.url, id);
  const primaryMember = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
  const endpoint = group.NodeGroups[0].PrimaryEndpoint;
  const writer = new ContinuousWriter(endpoint.Port, endpoint.Address, `r${Date.now()}-`, secure);
  while (writer.report.acked.length < 200) await sleep(5);
  const killedAt = performance.now();
  crash(server, runtime, instance, `${primaryMember}-0001`);
  const deadline = killedAt + 30_000;
  let resumedAt: number | undefined;
  // A crash shows as failed writes first; recovery is the first write sent after those that succeeds.
  while ((resumedAt = writer.recoveredAt(killedAt)) === undefined) {
    if (performance.now() > deadline) throw new Error("writes did not recover within 30 s");
    await sleep(5);
  }
  await sleep(200);
  const report = await writer.stop();
  const after = await waitSettled(server.url, id);
  const fresh = new Redis({ host: after.NodeGroups[0].PrimaryEndpoint.Address, port: after.NodeGroups[0].PrimaryEndpoint.Port, ...secure });
  const prefix = writer.prefix;
  const values = await fresh.mget(...report.acked.map((i) => `${prefix}${i}`));
  fresh.disconnect();
  return { recoveryMs: resumedAt - killedAt, acked: report.acked.length, lost: values.filter((value) => value === null).length };
}

async function benchRuntime(runtime: "process" | "docker"): Promise<Map<string, RunResult[]>> {
  const instance = `bfo${process.pid}`;
  const server = await startServer({ env: { ECL_RUNTIME: runtime, ECL_IMAGES: "local", ECL_INSTANCE: instance, ECL_PORT_RANGE: "22000-22999" } });
  const results = new Map<string, RunResult[]>(VARIANTS.map((variant) => [variant.id, []]));
  try {
    const ca = await (await fetch(`${server.url}/v1/tls/ca.pem`)).text();
    for (const variant of VARIANTS) await createGroup(server.url, variant.id, 3, { AutomaticFailoverEnabled: true, ...variant.create });
    // Interleaved, so both groups see the same machine load.
    for (let run = 0; run < runs; run++) {
      for (const variant of VARIANTS) results.get(variant.id)!.push(await oneRun(server, runtime, instance, variant.id, variant.client(ca)));
    }
  } finally {
    await server.cleanup();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
  return results;
}

export async function benchFailover(): Promise<string> {
  const rows = [];
  for (const runtime of runtimes) {
    try {
      for (const [variant, results] of await benchRuntime(runtime)) {
        const recovery = results.map((result) => result.recoveryMs);
        rows.push({
          runtime,
          group: variant,
          runs: results.length,
          "recovery median ms": fmt(median(recovery)),
          "recovery p95 ms": fmt(percentile(recovery, 95)),
          "recovery max ms": fmt(Math.max(...recovery)),
          "acked writes per run (median)": fmt(median(results.map((result) => result.acked))),
          "acked writes lost (total)": results.reduce((sum, result) => sum + result.lost, 0),
          "lost per run": results.map((result) => result.lost).join(","),
        });
      }
    } catch (error) {
      console.error(`${runtime} runtime not measured:`, (error as Error).message);
    }
  }
  return table(rows);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchFailover());
}
