/**
 * Leader handover on PostgreSQL: two control planes on one database and one data directory; the
 * leader is killed (SIGKILL) and the time is taken until the other says it leads (GET /health) and
 * until its first reconcile pass (ecl_reconcile_passes_total > 0 on /metrics); the killed one is
 * started again as the next round's follower. Given beside ECL_LEASE_POLL_MS, the follower's
 * polling period, which bounds the handover from below on average (half a poll).
 * Usage: npx tsx bench/leader-handover.ts [rounds]
 *
 * Measured 2026-12-01 (`npx tsx bench/leader-handover.ts 3` and `… 5`, 2 cores shared with other
 * runs): median 976 ms to leading (974, 1020, 976 ms), 1024 ms to the first reconcile pass; 984 /
 * 1048 ms over 5. That is about one lease poll each time, not half a poll on average as a random
 * kill moment would give; why is not yet explained. One run of 8 rounds did not finish within
 * 400 s (stopped by `timeout`, no output kept); not yet explained either.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPostgresql } from "../test/helpers/postgresql.ts";
import { startServer, type RunningServer } from "../test/helpers/server.ts";
import { fmt, median } from "./lib/measure.ts";

const rounds = Number(process.argv[2]) || 10;
const POLL_MS = 1000;

async function leads(server: RunningServer): Promise<boolean> {
  const health = await (await fetch(`${server.url}/health`)).json();
  return health.leader === true;
}

async function reconciled(server: RunningServer): Promise<boolean> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^ecl_reconcile_passes_total (\d+)/m.exec(text)?.[1] ?? 0) > 0;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check().catch(() => false))) await new Promise((resolve) => setTimeout(resolve, 5));
}

export async function benchLeaderHandover(): Promise<string> {
  const postgresql = await startPostgresql();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-lease-"));
  try {
    const { url } = await postgresql.freshDatabase();
    const env = { DATABASE_URL: url, ECL_DATA_DIR: dataDir, ECL_RUNTIME: "process", ECL_LEASE_POLL_MS: String(POLL_MS) };
    let servers = [await startServer({ env }), await startServer({ env })];
    await until(async () => (await leads(servers[0])) || (await leads(servers[1])));
    console.error("started");
    const toLead: number[] = [];
    const toPass: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const [leader, follower] = (await leads(servers[0])) ? servers : [servers[1], servers[0]];
      const killed = performance.now();
      await leader.kill();
      await until(() => leads(follower));
      toLead.push(performance.now() - killed);
      await until(() => reconciled(follower));
      toPass.push(performance.now() - killed);
      console.error(`round ${round + 1}: ${fmt(toLead.at(-1)!)} ms`);
      rmSync(leader.dataDir, { recursive: true, force: true });
      servers = [follower, await startServer({ env })];
    }
    await Promise.all(servers.map((server) => server.stop()));
    for (const server of servers) rmSync(server.dataDir, { recursive: true, force: true });
    const line =
      `leader handover (SIGKILL to the other instance leading / to its first reconcile pass), median of ${rounds}: ` +
      `${fmt(median(toLead))} ms / ${fmt(median(toPass))} ms, ${(median(toLead) / POLL_MS).toFixed(2)}x the lease poll of ${POLL_MS} ms (each: ${toLead.map(fmt).join(", ")} ms)`;
    console.log(line);
    return line;
  } finally {
    await postgresql.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLeaderHandover();
