/**
 * A Redis Cluster made by hand, the baseline of the cluster benchmarks: 6 redis-server with
 * cluster-enabled yes, joined with `redis-cli --cluster create --cluster-replicas 1`, ready once
 * every node says cluster_state:ok and every replica's link is up.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "../../test/helpers/server.ts";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return;
    await sleep(5);
  }
}

export interface HandMadeCluster {
  ports: number[];
  children: ChildProcess[];
  /** Time from the first server's start to the cluster being ready. */
  elapsedMs: number;
  stop(): void;
}

/** `nodeTimeout`: cluster-node-timeout in ms (Redis' default 15000 when not given). */
export async function clusterByHand(nodeTimeout?: number): Promise<HandMadeCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-cluster-"));
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort());
  const started = performance.now();
  const children = ports.map((port) =>
    spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--cluster-enabled", "yes",
        "--cluster-config-file", `nodes-${port}.conf`, "--dir", dir, ...(nodeTimeout ? ["--cluster-node-timeout", String(nodeTimeout)] : [])],
      { stdio: "ignore" },
    ),
  );
  const clients = ports.map((port) => new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 5, maxRetriesPerRequest: null }));
  for (const client of clients) client.on("error", () => undefined);
  await Promise.all(clients.map((client) => client.connect().catch(() => undefined)));
  await Promise.all(clients.map((client) => until(async () => (await client.ping()) === "PONG")));
  await run("redis-cli", ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "1", "--cluster-yes"]);
  await Promise.all(clients.map((client) => until(async () => String(await client.cluster("INFO")).includes("cluster_state:ok"))));
  await Promise.all(clients.map((client) => until(async () => {
    const info = await client.info("replication");
    return info.includes("role:master") || info.includes("master_link_status:up");
  })));
  const elapsedMs = performance.now() - started;
  clients.forEach((client) => client.disconnect());
  return {
    ports,
    children,
    elapsedMs,
    stop() {
      children.forEach((child) => child.kill("SIGKILL"));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
