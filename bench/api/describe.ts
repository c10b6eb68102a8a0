/**
 * API throughput: Describe operations over both protocols against a control plane holding 10
 * replication groups of 3 nodes (process runtime), 50 concurrent connections (autocannon), beside
 * the engine-versions route as the cost of a request that reads nothing from the store, and beside
 * the protocol layers alone (canned-server.ts: the same app answering the same outputs without a
 * store). Prints requests/s, latency percentiles and the server's CPU per request, all in one run.
 * Goal (issue 13): Describe at >= 2,000 requests/s with p99 <= 50 ms on the 2-core machine.
 * With a baseline checkout (another version of this repository, with node_modules and
 * src/generated), its control plane is measured too, target by target beside this one: a
 * before/after comparison in one run on the same loaded machine.
 * Usage: npx tsx bench/api/describe.ts [seconds per target] [baseline checkout]
 *   e.g. mkdir /tmp/base && git archive main | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/
 *        && cp -a src/generated /tmp/base/src/ && npx tsx bench/api/describe.ts 10 /tmp/base
 * Measured 2026-12-01 (`npx tsx bench/api/describe.ts 10 /tmp/base`, base = 633c7db, load average
 * 13-18 on the 2 cores from other runs): requests/s and server CPU ms per request, this / base:
 *   REST DescribeReplicationGroups      8,174 / 1,562   0.06 / 0.34
 *   Query DescribeReplicationGroups     4,015 / 2,676   0.11 / 0.28
 *   REST DescribeCacheClusters (nodes)  4,283 / 1,242   0.10 / 0.48
 *   Query DescribeCacheClusters (nodes) 3,447 / 1,416   0.15 / 0.46
 * p99 63-108 ms against 79-263 ms: on that machine even the engine-versions reference had 22-38 ms.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { freePort, startServer } from "../../test/helpers/server.ts";
import { api, createGroup } from "../lib/api.ts";
import { cpuSeconds, fmt, table } from "../lib/measure.ts";

const GROUPS = 10;
const CONNECTIONS = 50;
const FORM = { "content-type": "application/x-www-form-urlencoded" };

interface Target {
  name: string;
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const query = (action: string, extra = "") => `Action=${action}&Version=2015-02-02${extra}`;

const TARGETS: Target[] = [
  { name: "REST DescribeReplicationGroups", method: "GET", path: "/v1/replication-groups" },
  { name: "Query DescribeReplicationGroups", method: "POST", path: "/", headers: FORM, body: query("DescribeReplicationGroups") },
  { name: "REST DescribeCacheClusters (nodes)", method: "GET", path: "/v1/cache-clusters?ShowCacheNodeInfo=true" },
  { name: "Query DescribeCacheClusters (nodes)", method: "POST", path: "/", headers: FORM, body: query("DescribeCacheClusters", "&ShowCacheNodeInfo=true") },
  { name: "REST DescribeCacheEngineVersions (reference)", method: "GET", path: "/v1/cache-engine-versions" },
];

function run(url: string, target: Target, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: url + target.path,
        method: target.method,
        connections: CONNECTIONS,
        duration: seconds,
        ...(target.headers && { headers: target.headers }),
        ...(target.body !== undefined && { body: target.body }),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function measure(url: string, pid: number, target: Target, seconds: number, label: string) {
  await run(url, target, 1); // warm-up: JIT, pools, caches
  const cpuBefore = cpuSeconds(pid);
  const result = await run(url, target, seconds);
  const cpu = cpuSeconds(pid) - cpuBefore;
  return {
    target: `${target.name}${label}`,
    "req/s": fmt(result.requests.average),
    "p50 ms": fmt(result.latency.p50, 1),
    "p99 ms": fmt(result.latency.p99, 1),
    "server CPU ms/req": fmt((cpu * 1000) / Math.max(1, result.requests.total), 2),
    "non-2xx": result.non2xx,
    "timeouts (10 s)": result.timeouts,
  };
}

/** Starts canned-server.ts answering what the real server answered, in its own process like the real one. */
async function startCanned(outputs: Record<string, unknown>): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-canned-"));
  const file = path.join(dir, "outputs.json");
  writeFileSync(file, JSON.stringify(outputs));
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "bench/api/canned-server.ts", file, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => String(chunk).includes("listening") && resolve());
    child.once("exit", (code) => reject(new Error(`canned server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A control plane holding GROUPS groups of 3 nodes, of this checkout or another one. */
async function serverWithGroups(name: string, portRange: string, checkout?: string) {
  const server = await startServer({
    env: { ECL_RUNTIME: "process", ECL_INSTANCE: `${name}${process.pid}`, ECL_PORT_RANGE: portRange, ECL_LOG_LEVEL: "info" },
    ...(checkout !== undefined && { checkout }),
  });
  try {
    for (let next = 0; next < GROUPS; ) await Promise.all([0, 1].map(() => (next < GROUPS ? createGroup(server.url, `api${next++}`, 3) : undefined)));
  } catch (error) {
    await server.cleanup();
    throw error;
  }
  return server;
}

export async function benchApi(seconds = 10, baselineCheckout?: string): Promise<string> {
  const server = await serverWithGroups("bapi", "24000-24199");
  const rows = [];
  try {
    const baseline = baselineCheckout === undefined ? undefined : await serverWithGroups("bbase", "24600-24799", baselineCheckout);
    try {
      const canned = await startCanned({
        DescribeReplicationGroups: await api(server.url, "GET", "/v1/replication-groups"),
        DescribeCacheClusters: await api(server.url, "GET", "/v1/cache-clusters?ShowCacheNodeInfo=true"),
        DescribeCacheEngineVersions: await api(server.url, "GET", "/v1/cache-engine-versions"),
      });
      try {
        for (const target of TARGETS) {
          rows.push(await measure(server.url, server.process.pid!, target, seconds, ""));
          if (baseline) rows.push(await measure(baseline.url, baseline.process.pid!, target, seconds, ", baseline checkout"));
          rows.push(await measure(canned.url, canned.pid, target, seconds, ", protocol layers alone"));
        }
      } finally {
        await canned.stop();
      }
    } finally {
      await baseline?.cleanup();
    }
  } finally {
    await server.cleanup();
  }
  return table(rows);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchApi(Number(process.argv[2]) || 10, process.argv[3]));
}
