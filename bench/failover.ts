/**
 * Failover recovery time and acknowledged writes lost, both runtimes: an application writes
 * continuously through the group's PrimaryEndpoint; the primary is SIGKILLed (process) or
 * `docker kill`ed; recovery is the time from the kill to the first acknowledged SET after it.
 * Lost writes are acknowledged writes missing from the new primary afterwards (Redis replication
 * is asynchronous: a write the old primary acknowledged but had not yet streamed is lost).
 * Phases, from the control plane's "failover timings" log line (controllers/failover/timings.ts):
 * kill → first sign (a probe connection closed or a probe failed), detect (→ node recorded
 * failed), decide (→ replica elected), promote (→ REPLICAOF NO ONE done and recorded), endpoint
 * switch (→ the primary endpoint follows the new primary).
 * Each run kills the primary right after the group settled from the previous run's failover.
 * Variants (BENCH_VARIANTS, default both): a plain group and a TLS + AUTH group (transit
 * encryption required, an AuthToken; the writer speaks TLS with the installation's CA and logs in)
 * in the same control plane, runs interleaved, so their figures sit side by side from one run.
 * Usage: npx tsx bench/failover.ts [runs]   (env: BENCH_RUNTIMES=process,docker; BENCH_VARIANTS=plain,tls-auth; BENCH_PORT_RANGE=22000-22999)
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { RedisOptions } from "ioredis";
import { containerName } from "../test/helpers/nodes.ts";
import { startServer, type RunningServer } from "../test/helpers/server.ts";
import { ContinuousWriter } from "../test/helpers/writer.ts";
import { createGroup, waitSettled } from "./lib/api.ts";
import { lostWrites } from "./lib/lost-writes.ts";
import { fmt, median, percentile, table } from "./lib/measure.ts";

const runs = Number(process.argv[2]) || 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function crash(server: RunningServer, runtime: string, instance: string, node: string): void {
  if (runtime === "process") process.kill(Number(readFileSync(path.join(server.dataDir, "nodes", node, "pid"), "utf8")), "SIGKILL");
  else execFileSync("docker", ["kill", containerName({ instance, server }, node)], { stdio: "ignore" });
}

/** How a variant's group is created and how a client reaches it (given the installation's CA). */
interface Variant {
  id: string;
  create: Record<string, unknown>;
  client(ca: string): Pick<RedisOptions, "tls" | "password">;
}

const AUTH_TOKEN = "bench-token-0123456789";
const ALL_VARIANTS: Variant[] = [
  { id: "plain", create: {}, client: () => ({}) },
  { id: "tls-auth", create: { TransitEncryptionEnabled: true, AuthToken: AUTH_TOKEN }, client: (ca) => ({ tls: { ca }, password: AUTH_TOKEN }) },
];
const wantedVariants = (process.env.BENCH_VARIANTS ?? "plain,tls-auth").split(",");
const VARIANTS = ALL_VARIANTS.filter((variant) => wantedVariants.includes(variant.id));

interface Phases {
  signalMs: number;
  detectMs: number;
  decideMs: number;
  promoteMs: number;
  endpointMs: number;
}

interface RunResult {
  recoveryMs: number;
  acked: number;
  lost: number;
  phases?: Phases;
}

/** The control plane's "failover timings" line of the failover that followed a kill at `killedAt` (epoch ms). */
function phasesAfter(server: RunningServer, killedAt: number): Phases | undefined {
  for (const line of server.output().split("\n")) {
    if (!line.includes('"failover timings"')) continue;
    const entry = JSON.parse(line);
    if (entry.at?.signal === undefined || entry.at.signal < killedAt) continue;
    return { signalMs: entry.at.signal - killedAt, detectMs: entry.detectMs, decideMs: entry.decideMs, promoteMs: entry.promoteMs, endpointMs: entry.endpointMs };
  }
  return undefined;
}

async function oneRun(server: RunningServer, runtime: string, instance: string, id: string, secure: Pick<RedisOptions, "tls" | "password"> = {}): Promise<RunResult> {
  const group = await waitSettled(server.url, id);
  const primaryMember = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
  const endpoint = group.NodeGroups[0].PrimaryEndpoint;
  const writer = new ContinuousWriter(endpoint.Port, endpoint.Address, `r${Date.now()}-`, secure);
  while (writer.report.acked.length < 200) await sleep(5);
  const killedAt = performance.now();
  const killedAtEpoch = Date.now();
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
  return {
    recoveryMs: resumedAt - killedAt,
    acked: report.acked.length,
    lost: await lostWrites(after.NodeGroups[0].PrimaryEndpoint, writer.prefix, report.acked, secure),
    phases: phasesAfter(server, killedAtEpoch),
  };
}

/** Results by variant: each variant's group in one control plane, one run of each in turn. */
async function benchRuntime(runtime: "process" | "docker"): Promise<Map<string, RunResult[]>> {
  const instance = `bfo${process.pid}`;
  const server = await startServer({ env: { ECL_RUNTIME: runtime, ECL_IMAGES: "local", ECL_INSTANCE: instance, ECL_PORT_RANGE: process.env.BENCH_PORT_RANGE ?? "22000-22999", ECL_LOG_LEVEL: "info" } });
  const results = new Map<string, RunResult[]>(VARIANTS.map((variant) => [variant.id, []]));
  try {
    const ca = await (await fetch(`${server.url}/v1/tls/ca.pem`)).text();
    for (const variant of VARIANTS) await createGroup(server.url, variant.id, 3, { AutomaticFailoverEnabled: true, ...variant.create });
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
  const phaseRows: Record<string, string | number>[] = [];
  const wanted = (process.env.BENCH_RUNTIMES ?? "process,docker").split(",");
  for (const runtime of (["process", "docker"] as const).filter((name) => wanted.includes(name))) {
    try {
      for (const [group, results] of await benchRuntime(runtime)) {
        const recovery = results.map((result) => result.recoveryMs);
        rows.push({
          runtime,
          group,
          runs: results.length,
          "recovery median ms": fmt(median(recovery)),
          "recovery p95 ms": fmt(percentile(recovery, 95)),
          "recovery max ms": fmt(Math.max(...recovery)),
          "acked writes per run (median)": fmt(median(results.map((result) => result.acked))),
          "acked writes lost (total)": results.reduce((sum, result) => sum + result.lost, 0),
          "lost per run": results.map((result) => result.lost).join(","),
        });
        const phases = results.flatMap((result) => (result.phases ? [result.phases] : []));
        // A phase a run did not note (e.g. the reconciler saw the death first) is left out of its spread.
        const spread = (all: (number | undefined)[]) => {
          const values = all.filter((value): value is number => Number.isFinite(value));
          return values.length === 0 ? "-" : `${fmt(median(values))} / ${fmt(percentile(values, 95))} / ${fmt(Math.max(...values))}`;
        };
        phaseRows.push({
          runtime,
          group,
          "runs with timings": phases.length,
          "kill→sign": spread(phases.map((phase) => phase.signalMs)),
          detect: spread(phases.map((phase) => phase.detectMs)),
          decide: spread(phases.map((phase) => phase.decideMs)),
          promote: spread(phases.map((phase) => phase.promoteMs)),
          "endpoint switch": spread(phases.map((phase) => phase.endpointMs)),
          "recovery per run ms": results.map((result) => fmt(result.recoveryMs)).join(","),
        });
      }
    } catch (error) {
      console.error(`${runtime} runtime not measured:`, (error as Error).message);
    }
  }
  return `${table(rows)}\n\nPhases, ms (median / p95 / max):\n${table(phaseRows)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchFailover());
}
