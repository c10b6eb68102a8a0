/**
 * A primary failover while the leader is being replaced, beside a plain failover, in one run
 * (issue 14). Two control planes on one PostgreSQL database and one data directory, process
 * runtime, one group of a primary and a replica (automatic failover). An application writes
 * continuously through the group's PrimaryEndpoint, which the leader serves (the endpoints run on
 * the lease holder; a new leader serves them on the same ports). Two kinds of run, interleaved:
 *   plain:            SIGKILL of the primary node;
 *   with the leader:  SIGKILL of the primary node and of the leader's process group at the same
 *                     moment: the follower must take the lease, serve the endpoint and fail over.
 * Recovery is the same measurement for both: from the kill to the first acknowledged SET sent after
 * the writes failed (ContinuousWriter.recoveredAt), on the one writer that keeps reconnecting to the
 * endpoint's address. The kill comes a random time (uniform over one lease poll) after the group
 * settled, so it falls at any point of the follower's poll, as a crash would. After a run with
 * the leader a new instance is started as the follower. Medians over the runs and their ratio.
 * Each run starts with the replica online (INFO replication on the primary). Also noted per run:
 * whether the replica was promoted (a failover) or the killed node came back as primary (restarted
 * before anyone failed it over), and the acknowledged writes the primary lacks once the group
 * settled (same count as bench/failover.ts).
 * Usage: npx tsx bench/leader-failover.ts [runs of each kind]   (default 5)
 *
 * Found with it (2026-12-01): every plain run restarts the old primary as a replica, and a
 * follower's process runtime keeps the pid it read before (process-runtime.ts, pidCache), so the
 * new leader of the next run takes that replica for dead and restarts the killed primary in place,
 * empty, instead of failing over ("no replica can take over"). A run "with the leader" before any
 * plain run promoted the replica and lost nothing (1826 ms).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { removeEverything } from "../test/helpers/cleanup.ts";
import { pidFileOf, portRange } from "../test/helpers/nodes.ts";
import { startPostgresql } from "../test/helpers/postgresql.ts";
import { startServer, type RunningServer } from "../test/helpers/server.ts";
import { ContinuousWriter } from "../test/helpers/writer.ts";
import { createGroup, waitSettled } from "./lib/api.ts";
import { leaderOf, leads } from "./lib/fleet.ts";
import { lostWrites } from "./lib/lost-writes.ts";
import { fmt, median, table } from "./lib/measure.ts";
import { until } from "./lib/until.ts";

const runs = Number(process.argv[2]) || 5;
const POLL_MS = 1000;
const GROUP = "lf";
const RECOVERY_LIMIT_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Kind = "plain" | "with the leader";

interface RunResult {
  recoveryMs: number;
  promoted: boolean;
  /** Writes acknowledged during the run, and how many of them the primary lacks once the group settled. */
  acked: number;
  lost: number;
}

const primaryOf = (group: any): string => group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;

/** Whether the primary behind the endpoint has a replica streaming from it (INFO replication). */
async function replicaOnline(endpoint: { Address: string; Port: number }): Promise<boolean> {
  const client = new Redis({ host: endpoint.Address, port: endpoint.Port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    return /^slave0:.*state=online/m.test(await client.info("replication"));
  } finally {
    client.disconnect();
  }
}

/** One run: kill the primary node (and, for "with the leader", the leader), time the writes' recovery. */
async function oneRun(leader: RunningServer, follower: RunningServer, dataDir: string, kind: Kind): Promise<RunResult> {
  const group = await waitSettled(leader.url, GROUP);
  const before = primaryOf(group);
  const pid = pidFileOf(dataDir, `${before}-0001`);
  if (pid === undefined) throw new Error(`no pid file of ${before}`);
  const endpoint = group.NodeGroups[0].PrimaryEndpoint;
  const writer = new ContinuousWriter(endpoint.Port, endpoint.Address, `${kind === "plain" ? "p" : "l"}${Date.now()}-`);
  let stopped = false;
  try {
    await until(async () => writer.report.acked.length >= 200, "200 writes before the kill", 30_000);
    // The same start for both kinds: the replica streams from the primary (right after the group's
    // creation or a recovery it may still be syncing, and everything before would be lost either way).
    await until(() => replicaOnline(endpoint), "the replica online", 30_000);
    await sleep(Math.random() * POLL_MS);
    const killedAt = performance.now();
    // Both signals go out before anything else runs: kill() sends SIGKILL synchronously, then waits for the exit.
    const leaderGone = kind === "with the leader" ? leader.kill() : Promise.resolve();
    process.kill(pid, "SIGKILL");
    let resumedAt: number | undefined;
    while ((resumedAt = writer.recoveredAt(killedAt)) === undefined) {
      if (performance.now() - killedAt > RECOVERY_LIMIT_MS) throw new Error(`${kind}: writes did not recover within ${RECOVERY_LIMIT_MS / 1000} s`);
      await sleep(5);
    }
    await sleep(200);
    stopped = true;
    const report = await writer.stop();
    await leaderGone;
    const after = await waitSettled((kind === "plain" ? leader : follower).url, GROUP);
    return {
      recoveryMs: resumedAt - killedAt,
      promoted: primaryOf(after) !== before,
      acked: report.acked.length,
      lost: await lostWrites(after.NodeGroups[0].PrimaryEndpoint, writer.prefix, report.acked),
    };
  } finally {
    if (!stopped) await writer.stop();
  }
}

export async function benchLeaderFailover(): Promise<string> {
  const postgresql = await startPostgresql();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-leader-failover-"));
  const [from, to] = await portRange();
  let servers: RunningServer[] = [];
  try {
    const { url } = await postgresql.freshDatabase();
    const env = { DATABASE_URL: url, ECL_DATA_DIR: dataDir, ECL_RUNTIME: "process", ECL_PORT_RANGE: `${from}-${to}`, ECL_LEASE_POLL_MS: String(POLL_MS) };
    const start = () => startServer({ env, processGroup: true });
    // One after the other: the first makes the shared data directory's CA, the second reads it.
    servers = [await start()];
    servers.push(await start());
    await until(async () => (await leads(servers[0])) || (await leads(servers[1])), "a leader");
    const [leader] = await leaderOf(servers);
    await createGroup(leader.url, GROUP, 2, { AutomaticFailoverEnabled: true });
    const results = new Map<Kind, RunResult[]>([
      ["plain", []],
      ["with the leader", []],
    ]);
    for (let run = 0; run < runs; run++) {
      for (const kind of results.keys()) {
        const [leader, follower] = await leaderOf(servers);
        const result = await oneRun(leader, follower, dataDir, kind);
        results.get(kind)!.push(result);
        const how = result.promoted ? "replica promoted" : "no failover: the killed node came back as primary";
        console.error(`run ${run + 1}/${runs}, ${kind}: writes back after ${fmt(result.recoveryMs)} ms (${how}), ${result.lost} of ${result.acked} acknowledged writes lost`);
        if (kind === "with the leader") {
          // The killed leader's place is taken by a new follower for the next runs.
          rmSync(leader.dataDir, { recursive: true, force: true });
          servers = [follower];
          servers.push(await start());
        }
      }
    }
    const recovery = (kind: Kind) => results.get(kind)!.map((result) => result.recoveryMs);
    const rows = [...results].map(([kind, list]) => ({
      kill: kind === "plain" ? "primary node" : "primary node + leader",
      runs: list.length,
      "recovery median ms": fmt(median(recovery(kind))),
      "min ms": fmt(Math.min(...recovery(kind))),
      "max ms": fmt(Math.max(...recovery(kind))),
      "replica promoted": `${list.filter((result) => result.promoted).length}/${list.length}`,
      "acked writes lost / acked (each run)": list.map((result) => `${result.lost}/${result.acked}`).join(","),
      "each ms": recovery(kind)
        .map((value) => fmt(value))
        .join(","),
    }));
    const ratio = median(recovery("with the leader")) / median(recovery("plain"));
    return `${table(rows)}\n\nwrite recovery, primary node and leader killed together / primary node alone (medians): ${ratio.toFixed(2)}x (lease poll ${POLL_MS} ms, runs interleaved)`;
  } finally {
    await Promise.all(servers.map((server) => server.cleanup()));
    // The nodes run from the shared data directory, not from the instances' own (unused) ones.
    await removeEverything({ dataDir });
    await postgresql.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchLeaderFailover());
