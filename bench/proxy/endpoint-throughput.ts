/**
 * Endpoint proxy throughput, side by side in one run (the machine is shared and noisy, so only
 * numbers from the same run compare): redis-benchmark against
 *   direct         redis-server itself
 *   proxy          TcpEndpoint, fast engine, in this process (as the control plane runs it)
 *   proxy-peek     TcpEndpoint, fast engine, transit "preferred": reads each connection's first
 *                  bytes to tell TLS from plain before connecting (the cost of TLS-aware routing
 *                  for plain clients; redis-benchmark keeps its connections, so it is paid 50 times)
 *   proxy-portable TcpEndpoint, public-API engine, in this process
 *   proxy-worker   TcpEndpoint, fast engine, in a worker thread of this process
 *   haproxy-1t     HAProxy 2.6, TCP mode, nbthread 1
 *   haproxy        HAProxy 2.6, TCP mode, default threads (one per core)
 * with `-q -n N -c 50 -t get,set`, then again with `-P 16`, in interleaved rounds (medians shown),
 * and direct / proxy / proxy-peek once more with a new connection per request (`-k 0`). Also
 * prints the CPU time each proxy spent per request, the steadier figure on a busy machine.
 *
 *   npx tsx bench/proxy/endpoint-throughput.ts            (N = 100000; BENCH_N=… to change)
 *
 * Only 127.0.0.1 is used; every run is bounded by N and a per-run timeout.
 *
 * What it found (2 cores, shared and noisy, so the steady figure is the proxy's own CPU time per
 * request, utime+stime of the proxy process), which decided how TcpEndpoint forwards:
 *
 *   engine                                   CPU ticks / 100k GET   / 400k GET with -P 16
 *   socket.pipe() both ways                    ~375                   ~95
 *   'data' + write() + pause/drain             ~385                   ~90
 *   net.connect({ onread }) on the upstream    ~355                   ~95
 *   raw handles (useUserBuffer+writeBuffer)    ~295                   ~70      <- "fast" engine
 *   HAProxy 2.6, TCP mode, nbthread 1          ~205                   ~55
 *
 * Two runs of this benchmark (load average ~10 on 2 cores, so requests/s swing +-50 %): proxy CPU
 * per unpipelined request fast 34-41 us, portable 42-43 us, fast-in-a-worker 30-32 us, HAProxy
 * 22-29 us; throughput proxy/direct 0.35-0.59, worker/direct 0.41-1.0, HAProxy/direct 0.56-0.84.
 * The worker keeps proxied traffic off the control plane's event loop (HTTP API, health probes,
 * GC pauses) and looked a little cheaper, but it cannot take a `pick()` closure (targets must be
 * posted to it), and the gain is inside the noise, so TcpEndpoint runs in-process for now; the
 * worker branch below shows the wiring (including loading tsx inside a worker on Node 20) for a
 * later WorkerTcpEndpoint. Several workers on one port would need SO_REUSEPORT, which Node 20's
 * net does not offer (`exclusive: false` only shares a handle between node:cluster processes), so
 * one listener per endpoint it is.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { TcpEndpoint } from "../../src/proxy/tcp-endpoint.ts";
import {
  compareTargets,
  freePort,
  haproxyTarget,
  HOST,
  printComparison,
  runRedisBenchmark,
  selfCpu,
  type Target,
  waitForPort,
} from "../lib/redis-benchmark.ts";

/** Requests per redis-benchmark run; may be lowered at start so the whole run stays under ~2 min. */
let N = Number(process.env.BENCH_N ?? 100_000);
const CLIENTS = 50;
const RUN_TIMEOUT_MS = 40_000;
/** Rounds of every run, interleaved; the tables show medians (BENCH_ROUNDS=… to change). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Requests (= connections) per `-k 0` run. */
const CONNECTIONS = 2000;

if (!isMainThread) {
  // Worker variant: the same endpoint, on its own event loop.
  const { upstreamPort } = workerData as { upstreamPort: number };
  const endpoint = new TcpEndpoint({ host: HOST, port: 0, pick: () => ({ host: HOST, port: upstreamPort }) });
  const address = await endpoint.listen();
  parentPort!.on("message", (message) => {
    if (message === "cpu") parentPort!.postMessage({ cpu: process.cpuUsage() });
    if (message === "close") void endpoint.close().then(() => process.exit(0));
  });
  parentPort!.postMessage({ port: address.port });
} else {
  await main();
}

function runBenchmark(port: number, pipeline: number, n = N, tests = "get,set"): Promise<Record<string, number>> {
  return runRedisBenchmark({ port, pipeline, n, clients: CLIENTS, tests, timeoutMs: RUN_TIMEOUT_MS });
}

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), "proxy-bench-"));
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    const redisPort = await freePort();
    const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", HOST, "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0"], { stdio: "ignore" });
    children.push(redis);
    await waitForPort(redisPort);
    const upstream = { host: HOST, port: redisPort };

    const fast = new TcpEndpoint({ host: HOST, port: 0, pick: () => upstream, forwarding: "auto" });
    const peek = new TcpEndpoint({ host: HOST, port: 0, pick: () => upstream, forwarding: "auto", transit: "preferred" });
    const portable = new TcpEndpoint({ host: HOST, port: 0, pick: () => upstream, forwarding: "portable" });
    const fastPort = (await fast.listen()).port;
    const peekPort = (await peek.listen()).port;
    const portablePort = (await portable.listen()).port;
    cleanups.push(() => fast.close(), () => peek.close(), () => portable.close());

    // Worker threads do not inherit tsx's loader hooks on Node 20: register them in the worker,
    // then load this file (which takes the !isMainThread branch).
    const bootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { upstreamPort: redisPort } });
    const workerPort = await new Promise<number>((resolve, reject) => {
      worker.once("message", (m: { port: number }) => resolve(m.port));
      worker.once("error", reject);
    });
    cleanups.push(async () => {
      worker.postMessage("close");
      await new Promise((r) => worker.once("exit", r));
    });
    const workerCpu = () =>
      new Promise<number>((resolve) => {
        worker.once("message", (m: { cpu: NodeJS.CpuUsage }) => resolve((m.cpu.user + m.cpu.system) / 1e6));
        worker.postMessage("cpu");
      });

    const targets: Target[] = [
      { name: "direct", port: redisPort },
      { name: "proxy", port: fastPort, cpu: selfCpu },
      { name: "proxy-peek", port: peekPort, cpu: selfCpu },
      { name: "proxy-portable", port: portablePort, cpu: selfCpu },
      { name: "proxy-worker", port: workerPort, cpu: workerCpu },
      await haproxyTarget(tmp, "haproxy-1t", 1, redisPort, children),
      await haproxyTarget(tmp, "haproxy", undefined, redisPort, children),
    ];

    // Budget: 14 unpipelined runs per round (7 targets × get,set) at roughly half of direct speed
    // dominate the runtime. On a busy machine lower N so they fit in ~3 min; rates hardly depend on N.
    if (!process.env.BENCH_N) {
      const probe = (await runBenchmark(redisPort, 1, 20_000, "get")).GET ?? 0;
      const fitting = Math.floor((probe * 180) / (28 * ROUNDS) / 1000) * 1000;
      if (probe > 0 && fitting < N) {
        console.log(`busy machine (direct GET ≈ ${Math.round(probe)}/s): using -n ${fitting} instead of ${N} to stay within ~2 min`);
        N = Math.max(10_000, fitting);
      }
    }
    console.log(
      `redis-benchmark -n ${N} -c ${CLIENTS} -t get,set (and -k 0 -n ${CONNECTIONS} -t ping), medians of ${ROUNDS} interleaved rounds; ` +
        `engine "${fast.forwardingEngine}"; ${os.cpus().length} cores; loadavg ${os.loadavg()[0].toFixed(1)}`,
    );
    const rows = await compareTargets(targets, { n: N, clients: CLIENTS, tests: "get,set", pipelines: [1, 16], rounds: ROUNDS, timeoutMs: RUN_TIMEOUT_MS });
    // A new connection per request: what the peek (and a connection through the proxy) costs when
    // clients do not keep their connections.
    const perConnection = targets.filter((t) => ["direct", "proxy", "proxy-peek"].includes(t.name));
    rows.push(...(await compareTargets(perConnection, { n: CONNECTIONS, clients: CLIENTS, tests: "ping_inline", pipelines: [1], rounds: ROUNDS, keepalive: false, timeoutMs: RUN_TIMEOUT_MS })));
    printComparison(
      rows,
      targets.map((t) => t.name),
      [
        ["proxy", "direct"],
        ["proxy-peek", "proxy"],
        ["proxy", "haproxy-1t"],
        ["proxy", "haproxy"],
        ["proxy-worker", "direct"],
        ["proxy-portable", "direct"],
        ["haproxy-1t", "direct"],
      ],
    );
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    for (const cleanup of cleanups) await cleanup();
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  }
}
