/**
 * Snapshot and restore of 1,000,000 keys through the API (CreateSnapshot until available, then
 * CreateReplicationGroup with SnapshotName until available with every key loaded), beside doing
 * the same by hand in the same run: `redis-cli --rdb` of the same node, then a redis-server
 * started on that file, until it answers with every key loaded. Rounds interleaved; medians.
 * Goal (issue 10): API ≤ 1.3× by hand. Usage: npx tsx bench/snapshot-restore.ts [keys] [rounds]
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort, startServer } from "../test/helpers/server.ts";
import { api, createGroup, deleteGroup } from "./lib/api.ts";
import { fmt, median, table } from "./lib/measure.ts";

const run = promisify(execFile);
const keys = Number(process.argv[2]) || 1_000_000;
const rounds = Number(process.argv[3]) || 3;

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function fill(port: number): Promise<void> {
  const client = new Redis({ port, host: "127.0.0.1" });
  for (let from = 0; from < keys; from += 10_000) {
    const pipeline = client.pipeline();
    for (let i = from; i < Math.min(keys, from + 10_000); i++) pipeline.set(`key:${i}`, `value-${i}-xxxxxxxxxxxxxxxx`);
    await pipeline.exec();
  }
  client.disconnect();
}

/** redis-cli --rdb, then redis-server on the file until every key is loaded. */
async function byHand(port: number, dir: string, round: number): Promise<number> {
  const file = `hand-${round}.rdb`;
  const restorePort = await freePort();
  const started = performance.now();
  await run("redis-cli", ["-p", String(port), "--rdb", path.join(dir, file)]);
  const child = spawn("redis-server", ["--port", String(restorePort), "--bind", "127.0.0.1", "--dir", dir, "--dbfilename", file, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const client = new Redis({ port: restorePort, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 2, maxRetriesPerRequest: null });
  client.on("error", () => undefined);
  await client.connect().catch(() => undefined);
  await waitFor(async () => (await client.dbsize()) === keys);
  const elapsed = performance.now() - started;
  client.disconnect();
  child.kill("SIGKILL");
  return elapsed;
}

async function throughApi(url: string, round: number): Promise<number> {
  const started = performance.now();
  await api(url, "POST", "/v1/snapshots", { ReplicationGroupId: "source", SnapshotName: `bench-${round}` });
  await waitFor(async () => (await api(url, "GET", `/v1/snapshots/bench-${round}`)).Snapshot.SnapshotStatus === "available");
  const group = await createGroup(url, `restored-${round}`, 1, { SnapshotName: `bench-${round}` });
  const { Address, Port } = group.NodeGroups[0].NodeGroupMembers[0].ReadEndpoint;
  const client = new Redis({ port: Port, host: Address });
  await waitFor(async () => (await client.dbsize()) === keys);
  const elapsed = performance.now() - started;
  client.disconnect();
  await deleteGroup(url, `restored-${round}`);
  await api(url, "DELETE", `/v1/snapshots/bench-${round}`);
  return elapsed;
}

export async function benchSnapshotRestore(): Promise<string> {
  const server = await startServer({ env: { ECL_RUNTIME: "process", ECL_INSTANCE: `bench${process.pid}`, ECL_PORT_RANGE: "22000-22099" } });
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-rdb-"));
  const ours: number[] = [];
  const hand: number[] = [];
  try {
    const source = await createGroup(server.url, "source", 1);
    const port = source.NodeGroups[0].NodeGroupMembers[0].ReadEndpoint.Port;
    await fill(port);
    for (let round = 0; round < rounds; round++) {
      hand.push(await byHand(port, dir, round));
      ours.push(await throughApi(server.url, round));
    }
    await deleteGroup(server.url, "source");
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return table([
    { what: `API: CreateSnapshot + restore (${keys} keys)`, "median ms": fmt(median(ours)), "runs ms": ours.map((v) => fmt(v)).join(" ") },
    { what: "by hand: redis-cli --rdb + redis-server", "median ms": fmt(median(hand)), "runs ms": hand.map((v) => fmt(v)).join(" ") },
    { what: "ratio API / by hand (goal <= 1.30)", "median ms": (median(ours) / median(hand)).toFixed(2), "runs ms": "" },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchSnapshotRestore());
