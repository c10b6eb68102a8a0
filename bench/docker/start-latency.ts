/**
 * How long a node container takes to start, side by side in one run (rounds interleaved, medians):
 *   - DockerRuntime.start() of one Redis node: create -> running -> answers PING on its published port
 *   - three DockerRuntime.start() in parallel (what a 3-node replication group does)
 *   - `docker run -d` baseline: the CLI, same image, no network/port (returns once started, not ready)
 *   - `docker run -d` with the runtime's network, alias and published port
 * plus the Docker API calls the runtime made (median ms per call, from its debug log).
 *
 * Usage: npx tsx bench/docker/start-latency.ts [runs] [--socket /path/docker.sock]
 * (with --socket, run it inside that daemon's network namespace if it has its own: the probes go
 * to 127.0.0.1:<published port>.)
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Docker from "dockerode";
import { DockerRuntime, LABEL } from "../../src/runtime/docker/index.ts";
import { LOCAL_IMAGES, resolveImageTable } from "../../src/runtime/images.ts";
import type { NodeSpec } from "../../src/runtime/types.ts";
import { freePorts } from "../../test/runtime/helpers.ts";
import { fmt, median, percentile, table } from "../lib/measure.ts";

const run = promisify(execFile);
const argv = process.argv.slice(2);
const socket = argv.includes("--socket") ? argv[argv.indexOf("--socket") + 1] : undefined;
const runs = Number(argv.find((a) => /^\d+$/.test(a)) ?? 8);
const PREFIX = `ecl-bench-sl${process.pid}-`;
const NETWORK = "bench";
const IMAGE = LOCAL_IMAGES.redis;
const docker = new Docker(socket ? { socketPath: socket } : undefined);
const cli = (args: string[]) => run("docker", [...(socket ? ["-H", `unix://${socket}`] : []), ...args]);

const calls: Record<string, number[]> = {};
const runtime = new DockerRuntime({
  images: resolveImageTable(LOCAL_IMAGES),
  socketPath: socket,
  namePrefix: PREFIX,
  installationId: `bench-start-latency-${process.pid}`,
  logger: {
    debug(obj: { op?: string; ms?: number }) {
      if (obj.op && typeof obj.ms === "number") (calls[obj.op] ??= []).push(obj.ms);
    },
  },
});

const spec = (name: string, hostPort: number): NodeSpec => ({ name, engine: "redis", engineVersion: "7.0", hostPort, network: NETWORK, maxMemoryMb: 64 });

async function cleanup(): Promise<void> {
  const filters = { label: [`${LABEL.prefix}=${PREFIX}`] };
  const cs = await docker.listContainers({ all: true, filters });
  await Promise.all(cs.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const { Volumes: volumes } = await docker.listVolumes({ filters });
  await Promise.all((volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
}

let seq = 0;
const results = { one: [] as number[], three: [] as number[], cliPlain: [] as number[], cliNet: [] as number[] };

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// Warm-up: network creation, image inspect, first container of the daemon.
const [warmPort] = await freePorts(1);
await runtime.start(spec(`warm-${seq++}`, warmPort));
await cleanup();
for (const k of Object.keys(calls)) delete calls[k];

for (let r = 0; r < runs; r++) {
  const [p1] = await freePorts(1);
  results.one.push(await timed(() => runtime.start(spec(`one-${seq++}`, p1))));
  await cleanup();

  const ps = await freePorts(3);
  results.three.push(await timed(() => Promise.all(ps.map((p) => runtime.start(spec(`par-${seq++}`, p))))));
  await cleanup();

  results.cliPlain.push(await timed(() => cli(["run", "-d", "--name", `${PREFIX}cli-${seq++}`, "--label", `${LABEL.prefix}=${PREFIX}`, IMAGE, "redis-server"])));
  await cleanup();

  const [p2] = await freePorts(1);
  const name = `${PREFIX}cli-${seq++}`;
  results.cliNet.push(
    await timed(() =>
      cli(["run", "-d", "--name", name, "--label", `${LABEL.prefix}=${PREFIX}`, "--network", runtime.networkName(NETWORK), "--network-alias", name, "-p", `127.0.0.1:${p2}:6379`, IMAGE, "redis-server"]),
    ),
  );
  await cleanup();
}
await runtime.removeNetwork(NETWORK);
await runtime.close();

const info = await docker.info();
console.log(`runs=${runs}  daemon=${socket ?? "default socket"}  server ${info.ServerVersion}  default runtime ${info.DefaultRuntime}  load ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const row = (what: string, v: number[]) => ({ what, "median ms": fmt(median(v)), "p90 ms": fmt(percentile(v, 90)), "min ms": fmt(Math.min(...v)) });
console.log(
  table([
    row("runtime.start, 1 node (to PING)", results.one),
    row("runtime.start, 3 nodes in parallel", results.three),
    row("docker run -d (plain)", results.cliPlain),
    row("docker run -d --network --alias -p", results.cliNet),
  ]),
);
console.log(table(Object.entries(calls).map(([op, v]) => ({ "docker call (runtime)": op, n: v.length, "median ms": fmt(median(v)), "p90 ms": fmt(percentile(v, 90)) }))));
