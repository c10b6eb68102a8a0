/**
 * Driving redis-benchmark from the endpoint benchmarks: free loopback ports, waiting for a
 * listener, one bounded run (`-q -n N -c clients -t tests`, optionally `-P`, `--tls`) parsed into
 * requests per second by test name, a side-by-side comparison of several targets with the CPU the
 * proxy in the middle spent, and HAProxy as a reference proxy. Only 127.0.0.1 is used.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { median } from "./measure.ts";

export const HOST = "127.0.0.1";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, HOST, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, HOST);
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listening on ${port}`);
}

export interface BenchmarkRun {
  port: number;
  n: number;
  clients: number;
  /** redis-benchmark -t, e.g. "get,set". */
  tests: string;
  pipeline?: number;
  /** CA file: run with --tls --cacert. */
  tlsCa?: string;
  /** false: a new connection for every request (`-k 0`), to measure what a connection costs. */
  keepalive?: boolean;
  timeoutMs?: number;
}

/** Requests per second by test name ("GET", "SET"); a test missing from the map failed or timed out. */
export function runRedisBenchmark(run: BenchmarkRun): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    const args = ["-h", HOST, "-p", String(run.port), "-q", "-n", String(run.n), "-c", String(run.clients), "-t", run.tests];
    if ((run.pipeline ?? 1) > 1) args.push("-P", String(run.pipeline));
    if (run.tlsCa) args.push("--tls", "--cacert", run.tlsCa);
    if (run.keepalive === false) args.push("-k", "0");
    const child = spawn("redis-benchmark", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), run.timeoutMs ?? 40_000);
    child.on("close", () => {
      clearTimeout(timer);
      const result: Record<string, number> = {};
      for (const m of out.matchAll(/(\w+): ([\d.]+) requests per second/g)) result[m[1]] = Number(m[2]);
      resolve(result);
    });
  });
}

/** Something redis-benchmark runs against, and how much CPU the thing in the middle used so far. */
export interface Target {
  name: string;
  port: number;
  /** CPU seconds used so far by the proxy in the middle, if any. */
  cpu?: () => Promise<number>;
}

export interface Row {
  target: string;
  /** "GET", "SET", "GET -P 16", … */
  test: string;
  rps: number;
  cpuUsPerReq?: number;
}

/**
 * Every target with every pipeline depth, in one run (the figures compare only within it), `rounds`
 * times with the targets interleaved, so that a burst of load from elsewhere on a shared machine
 * hits every target alike; requests/s is the median over the rounds, CPU per request the total
 * over them.
 */
export async function compareTargets(
  targets: Target[],
  run: Omit<BenchmarkRun, "port" | "pipeline"> & { pipelines: number[]; rounds?: number },
): Promise<Row[]> {
  const samples = new Map<string, { target: string; test: string; rps: number[]; cpu: number; requests: number; measured: boolean }>();
  for (let round = 0; round < (run.rounds ?? 1); round++) {
    for (const pipeline of run.pipelines) {
      for (const target of targets) {
        const before = target.cpu ? await target.cpu() : 0;
        const result = await runRedisBenchmark({ ...run, port: target.port, pipeline });
        const cpu = target.cpu ? (await target.cpu()) - before : 0;
        const tests = Object.entries(result);
        for (const [test, rps] of tests) {
          const name = [test, ...(pipeline > 1 ? [`-P ${pipeline}`] : []), ...(run.keepalive === false ? ["-k 0"] : [])].join(" ");
          const key = `${target.name}\u0000${name}`;
          const sample = samples.get(key) ?? { target: target.name, test: name, rps: [], cpu: 0, requests: 0, measured: Boolean(target.cpu) };
          sample.rps.push(rps);
          sample.cpu += cpu / tests.length;
          sample.requests += run.n;
          samples.set(key, sample);
        }
      }
    }
  }
  return [...samples.values()].map((s) => ({
    target: s.target,
    test: s.test,
    rps: median(s.rps),
    cpuUsPerReq: s.measured && s.requests ? (s.cpu * 1e6) / s.requests : undefined,
  }));
}

/** Requests/s per target and test, the ratios asked for (`[numerator, denominator]` target names), and the CPU each middle spent per request. */
export function printComparison(rows: Row[], names: string[], ratios: Array<[string, string]>): void {
  const tests = [...new Set(rows.map((r) => r.test))];
  const rps = (test: string, name: string) => rows.find((r) => r.test === test && r.target === name)?.rps ?? NaN;
  const cell = (s: string, w: number) => s.padStart(w);
  const width = Math.max(15, ...names.map((n) => n.length + 2));
  const testWidth = Math.max(10, ...tests.map((t) => t.length + 2));
  console.log();
  console.log(["test".padEnd(testWidth), ...names.map((n) => cell(n, width))].join(""));
  for (const test of tests) console.log([test.padEnd(testWidth), ...names.map((n) => cell(Math.round(rps(test, n)).toLocaleString("en-US"), width))].join(""));
  console.log();
  const labels = ratios.map(([a, b]) => `${a}/${b}`);
  const ratioWidth = Math.max(...labels.map((l) => l.length + 2));
  console.log("ratios".padEnd(testWidth) + labels.map((h) => cell(h, ratioWidth)).join(""));
  for (const test of tests) {
    console.log(test.padEnd(testWidth) + ratios.map(([a, b]) => cell((rps(test, a) / rps(test, b)).toFixed(2), ratioWidth)).join(""));
  }
  console.log();
  console.log("CPU µs per request spent in the middle (the tests of one run averaged):");
  const modeOf = (test: string) => test.split(" ").slice(1).join(" ") || "no pipelining";
  for (const mode of [...new Set(rows.map((r) => modeOf(r.test)))]) {
    const parts = names
      .map((n) => [n, rows.find((r) => r.target === n && modeOf(r.test) === mode)?.cpuUsPerReq] as const)
      .filter(([, v]) => v !== undefined)
      .map(([n, v]) => `${n} ${v!.toFixed(1)}`);
    if (parts.length > 0) console.log(`  ${mode.padEnd(14)} ${parts.join(" | ")}`);
  }
}

/** CPU seconds (user+system) of another process, from /proc. */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
}

/** HAProxy 2.6 in TCP mode in front of `upstreamPort` (`threads` undefined: one per core); the child goes to `children`. */
export async function haproxyTarget(dir: string, name: string, threads: number | undefined, upstreamPort: number, children: ChildProcess[]): Promise<Target> {
  const port = await freePort();
  const cfg = path.join(dir, `${name}.cfg`);
  writeFileSync(
    cfg,
    [
      "global",
      "  maxconn 1000",
      ...(threads ? [`  nbthread ${threads}`] : []),
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "listen redis",
      `  bind ${HOST}:${port}`,
      `  server r1 ${HOST}:${upstreamPort}`,
      "",
    ].join("\n"),
  );
  const child = spawn("haproxy", ["-f", cfg, "-db"], { stdio: "ignore" });
  children.push(child);
  await waitForPort(port);
  return { name, port, cpu: async () => processCpuSeconds(child.pid!) };
}

/** The CPU seconds this process (and its worker threads) used so far. */
export async function selfCpu(): Promise<number> {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
