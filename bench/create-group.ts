/**
 * create -> available for a 3-node replication group on the process, Docker and Swarm runtimes,
 * beside the time it takes to start the same three servers by hand (spawn, REPLICAOF, wait for
 * the links), all in one run. Docker and Swarm are measured side by side (rounds interleaved, on a
 * one-node swarm made for the run when none is active, and undone after).
 * Usage: npx tsx bench/create-group.ts [runs]
 *
 * Measured 2026-12-01 (`npx tsx bench/create-group.ts 5`, 2 cores shared with other runs, load
 * average 13-15): by hand 824 ms; process runtime 1187 ms (1.44x by hand); Docker runtime 9099 ms;
 * Swarm runtime 13515 ms, 1.49x the Docker runtime measured beside it (medians of 5).
 */
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { removeDockerObjects } from "../test/helpers/cleanup.ts";
import { freePort, startServer } from "../test/helpers/server.ts";
import { removeSwarmObjects, useSwarm } from "../test/helpers/swarm.ts";
import { createGroup, deleteGroup } from "./lib/api.ts";
import { fmt, median, percentile, table } from "./lib/measure.ts";

const runs = Number(process.argv[2]) || 10;

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The baseline: three redis-server processes started and linked by hand, as a script would. */
async function byHand(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-hand-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  const started = performance.now();
  const children = ports.map((port) =>
    spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", dir], { stdio: "ignore" }),
  );
  const clients = ports.map((port) => new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 5, maxRetriesPerRequest: null }));
  for (const client of clients) client.on("error", () => undefined);
  await Promise.all(clients.map((client) => client.connect().catch(() => undefined)));
  await Promise.all(clients.map((client) => waitFor(async () => (await client.ping()) === "PONG")));
  await Promise.all(clients.slice(1).map((client) => client.replicaof("127.0.0.1", ports[0])));
  await Promise.all(clients.slice(1).map((client) => waitFor(async () => (await client.info("replication")).includes("master_link_status:up"))));
  const elapsed = performance.now() - started;
  clients.forEach((client) => client.disconnect());
  children.forEach((child) => child.kill("SIGKILL"));
  rmSync(dir, { recursive: true, force: true });
  return elapsed;
}

type Runtime = "process" | "docker" | "swarm";

/** A control plane on one runtime, creating and deleting 3-node groups on demand. */
interface Contender {
  runtime: Runtime;
  times: number[];
  /** create -> available of one more group (deleted after). */
  round(name: string): Promise<void>;
  stop(): Promise<void>;
}

async function contender(runtime: Runtime): Promise<Contender> {
  const instance = `bench${runtime.slice(0, 2)}${process.pid}`.slice(0, 16);
  // Ranges apart, so the two Docker-based control planes measured side by side never want the same port.
  const portRange = { process: "21000-21299", docker: "21300-21599", swarm: "21600-21899" }[runtime];
  const server = await startServer({ env: { ECL_RUNTIME: runtime, ECL_IMAGES: "local", ECL_INSTANCE: instance, ECL_PORT_RANGE: portRange } });
  const times: number[] = [];
  await createGroup(server.url, "warmup", 3);
  await deleteGroup(server.url, "warmup");
  return {
    runtime,
    times,
    async round(name) {
      const started = performance.now();
      await createGroup(server.url, name, 3);
      times.push(performance.now() - started);
      await deleteGroup(server.url, name);
    },
    async stop() {
      await server.stop();
      if (runtime === "swarm") await removeSwarmObjects(`${instance}-`);
      if (runtime !== "process") await removeDockerObjects(`${instance}-`);
      rmSync(server.dataDir, { recursive: true, force: true });
    },
  };
}

/** Rounds of every contender interleaved, so a busier moment of the (shared) machine weighs on each alike. */
async function interleaved(contenders: Contender[]): Promise<void> {
  for (let run = 0; run < runs; run++) {
    for (const each of contenders) await each.round(`g${run}`);
  }
}

function dockerWorks(): boolean {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore" });
    return true;
  } catch (error) {
    console.error("Docker and Swarm runtimes not measured:", (error as Error).message);
    return false;
  }
}

export async function benchCreateGroup(): Promise<string> {
  const hand: number[] = [];
  for (let run = 0; run < runs; run++) hand.push(await byHand());
  const onProcesses = await contender("process");
  try {
    await interleaved([onProcesses]);
  } finally {
    await onProcesses.stop();
  }
  let docker: number[] = [];
  let swarm: number[] = [];
  if (dockerWorks()) {
    // The Docker runtime beside the Swarm runtime on the same engine, with a swarm active for both.
    const lease = await useSwarm();
    const contenders: Contender[] = [];
    try {
      contenders.push(await contender("docker"), await contender("swarm"));
      await interleaved(contenders);
      [docker, swarm] = contenders.map((each) => each.times);
    } finally {
      for (const each of contenders) await each.stop();
      await lease.release();
    }
  }
  const row = (name: string, values: number[]) => ({
    what: name,
    runs: values.length,
    "median ms": fmt(median(values)),
    "p95 ms": fmt(percentile(values, 95)),
    "ratio to by hand": values.length ? fmt(median(values) / median(hand), 2) : "-",
    "ratio to docker": values.length && docker.length ? fmt(median(values) / median(docker), 2) : "-",
  });
  return table([
    row("3 redis-server by hand", hand),
    row("process runtime, create -> available", onProcesses.times),
    row("docker runtime, create -> available", docker),
    row("swarm runtime (one-node swarm), create -> available", swarm),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchCreateGroup());
}
