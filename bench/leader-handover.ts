/**
 * Leader handover on PostgreSQL: two control planes on one database and one data directory; the
 * leader's process group is killed (SIGKILL, as `kill -9 -PGID`) and the time is taken until the
 * other says it leads (GET /health) and until its first reconcile pass (ecl_reconcile_passes_total
 * > 0 on /metrics); a new instance is started as the next round's follower. Median, min and max
 * over the rounds, given beside ECL_LEASE_POLL_MS, the follower's polling period.
 *
 * The kill comes a random time (uniform over one poll) after the round is ready: a follower tries
 * the lease at its start and then every poll, and the round is ready just after the new follower
 * started, so a kill at once would always land a whole poll before its next try. A crash comes at
 * any moment, so on average the follower waits half a poll, plus taking the lease and starting
 * the controllers.
 * Usage: npx tsx bench/leader-handover.ts [rounds]   (default 10)
 *
 * Measured 2026-12-01 before the random kill moment (`… 3` and `… 5`): 976 and 984 ms median to
 * leading, about one poll each time: the kill always came right after the follower's first try.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPostgresql } from "../test/helpers/postgresql.ts";
import { startServer, type RunningServer } from "../test/helpers/server.ts";
import { fmt, median } from "./lib/measure.ts";
import { leaderOf, leads } from "./lib/fleet.ts";
import { until } from "./lib/until.ts";

const rounds = Number(process.argv[2]) || 10;
const POLL_MS = 1000;

async function reconciled(server: RunningServer): Promise<boolean> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^ecl_reconcile_passes_total (\d+)/m.exec(text)?.[1] ?? 0) > 0;
}

/** "median (min–max)" of a list of milliseconds. */
const spread = (values: number[]) => `${fmt(median(values))} ms (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;

export async function benchLeaderHandover(): Promise<string> {
  const postgresql = await startPostgresql();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-lease-"));
  let servers: RunningServer[] = [];
  try {
    const { url } = await postgresql.freshDatabase();
    const env = { DATABASE_URL: url, ECL_DATA_DIR: dataDir, ECL_RUNTIME: "process", ECL_LEASE_POLL_MS: String(POLL_MS) };
    const start = () => startServer({ env, processGroup: true });
    // One after the other: the first makes the shared data directory's CA, the second reads it.
    servers = [await start()];
    servers.push(await start());
    await until(async () => (await leads(servers[0])) || (await leads(servers[1])), "a leader");
    const toLead: number[] = [];
    const toPass: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const [leader, follower] = await leaderOf(servers);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * POLL_MS));
      const killed = performance.now();
      await leader.kill();
      await until(() => leads(follower), `round ${round + 1}: the follower leads`);
      toLead.push(performance.now() - killed);
      await until(() => reconciled(follower), `round ${round + 1}: the new leader's first reconcile pass`);
      toPass.push(performance.now() - killed);
      console.error(`round ${round + 1}/${rounds}: leads after ${fmt(toLead.at(-1)!)} ms, first pass after ${fmt(toPass.at(-1)!)} ms`);
      rmSync(leader.dataDir, { recursive: true, force: true });
      servers = [follower];
      servers.push(await start());
    }
    const line =
      `leader handover, kill -9 of the leader's process group at a random moment, ${rounds} rounds, median (min–max): ` +
      `to the other instance leading ${spread(toLead)}, to its first reconcile pass ${spread(toPass)}; ` +
      `median ${(median(toLead) / POLL_MS).toFixed(2)}x the lease poll of ${POLL_MS} ms (each: ${toLead.map((value) => fmt(value)).join(", ")} ms)`;
    return line;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    for (const server of servers) rmSync(server.dataDir, { recursive: true, force: true });
    await postgresql.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchLeaderHandover());
