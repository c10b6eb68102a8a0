/**
 * create -> available for a 3-node replication group, process and Docker runtimes, beside the
 * time it takes to start the same three servers by hand (spawn, REPLICAOF, wait for the links),
 * all in one run. Usage: npx tsx bench/create-group.ts [runs]
 */
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort, startServer } from "../test/helpers/server.ts";
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

async function throughApi(runtime: "process" | "docker"): Promise<number[]> {
  const server = await startServer({ env: { ECL_RUNTIME: runtime, ECL_IMAGES: "local", ECL_INSTANCE: `bench${process.pid}`, ECL_PORT_RANGE: "21000-21999" } });
  const times: number[] = [];
  try {
    await createGroup(server.url, "warmup", 3);
    await deleteGroup(server.url, "warmup");
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      await createGroup(server.url, `g${run}`, 3);
      times.push(performance.now() - started);
      await deleteGroup(server.url, `g${run}`);
    }
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
  return times;
}

export async function benchCreateGroup(): Promise<string> {
  const hand: number[] = [];
  for (let run = 0; run < runs; run++) hand.push(await byHand());
  const processTimes = await throughApi("process");
  let dockerTimes: number[] = [];
  try {
    execFileSync("docker", ["info"], { stdio: "ignore" });
    dockerTimes = await throughApi("docker");
  } catch (error) {
    console.error("docker runtime not measured:", (error as Error).message);
  }
  const row = (name: string, values: number[]) => ({
    what: name,
    runs: values.length,
    "median ms": fmt(median(values)),
    "p95 ms": fmt(percentile(values, 95)),
    "ratio to by hand": values.length ? fmt(median(values) / median(hand), 2) : "-",
  });
  return table([row("3 redis-server by hand", hand), row("process runtime, create -> available", processTimes), row("docker runtime, create -> available", dockerTimes)]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchCreateGroup());
}
