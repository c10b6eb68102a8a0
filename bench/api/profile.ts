/**
 * Where a Describe's CPU goes: the control plane with 10 groups of 3 nodes (process runtime)
 * under 50 connections for 6 s, CPU-profiled while the load runs; prints the functions with the
 * most self time and writes the .cpuprofile (open it in Chrome DevTools or speedscope).
 * Usage: npx tsx bench/api/profile.ts [path] [form body: POSTs it]   e.g.
 *   npx tsx bench/api/profile.ts /v1/replication-groups
 *   npx tsx bench/api/profile.ts / "Action=DescribeCacheClusters&Version=2015-02-02&ShowCacheNodeInfo=true"
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { startServer } from "../../test/helpers/server.ts";
import { createGroup } from "../lib/api.ts";

const [target = "/v1/replication-groups", body] = process.argv.slice(2);
const output = path.join(os.tmpdir(), `ecl-describe-${process.pid}.cpuprofile`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const server = await startServer({
  env: {
    ECL_RUNTIME: "process",
    ECL_INSTANCE: `bprof${process.pid}`,
    ECL_PORT_RANGE: "24200-24399",
    ECL_LOG_LEVEL: "info",
    ECL_CPU_PROFILE: output,
    NODE_OPTIONS: `--import ${path.join(import.meta.dirname, "cpu-profile-preload.mjs")}`,
  },
});
const load = (seconds: number) =>
  new Promise<autocannon.Result>((resolve, reject) =>
    autocannon(
      { url: server.url + target, connections: 50, duration: seconds, ...(body !== undefined && { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }) },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
try {
  for (let next = 0; next < 10; ) await Promise.all([0, 1].map(() => (next < 10 ? createGroup(server.url, `api${next++}`, 3) : undefined)));
  await load(1); // warm-up
  process.kill(server.process.pid!, "SIGUSR2");
  const result = await load(6);
  process.kill(server.process.pid!, "SIGUSR2");
  await sleep(2_000); // the profile is written after the profiler stops
  console.log(`${target}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${Math.round(result.throughput.average / result.requests.average)} bytes per response`);
} finally {
  await server.cleanup();
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const profile = JSON.parse(readFileSync(output, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const time = new Map<number, number>();
profile.samples.forEach((id, index) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
const total = [...time.values()].reduce((sum, value) => sum + value, 0);
const self = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/src\//, "src/")}:${lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + (time.get(node.id) ?? 0));
}
console.log("self time % | function");
for (const [name, value] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((100 * value) / total).toFixed(1).padStart(10)} | ${name}`);
console.log(`profile: ${output}`);
