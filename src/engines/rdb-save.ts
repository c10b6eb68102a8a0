/**
 * A consistent RDB file of a Redis/Valkey node: BGSAVE forks the server, and the child writes the
 * dataset as it was at that instant, so a snapshot taken while clients write is consistent.
 * Done is when INFO's `rdb_saves` counter has gone past its value before the request and no save
 * is running; a save already running (another snapshot, a disk-based full sync) is waited for
 * and then a new one is asked for, so the file is never older than the request.
 */
import type { ConnectionProfile } from "./connection.ts";
import { parseInfo, type RedisAdmin } from "./redis-admin.ts";

const POLL_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function persistence(redis: RedisAdmin, node: ConnectionProfile) {
  const info = parseInfo(await redis.info(node, "persistence"));
  return { saves: Number(info.rdb_saves ?? 0), running: info.rdb_bgsave_in_progress === "1", status: info.rdb_last_bgsave_status };
}

/** Runs BGSAVE on the node and resolves once its RDB file holds the data as of this call. */
export async function saveDataFile(redis: RedisAdmin, node: ConnectionProfile, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = await persistence(redis, node);
  for (;;) {
    try {
      before = await persistence(redis, node);
      await redis.call(node, "BGSAVE");
      break;
    } catch (error) {
      if (!/in progress/i.test(String((error as Error).message))) throw error;
      if (Date.now() > deadline) throw new Error("BGSAVE did not start: another save kept running");
      await sleep(POLL_MS);
    }
  }
  for (;;) {
    const now = await persistence(redis, node);
    if (now.saves > before.saves && !now.running) {
      if (now.status !== "ok") throw new Error(`BGSAVE failed (rdb_last_bgsave_status ${now.status})`);
      return;
    }
    if (Date.now() > deadline) throw new Error("BGSAVE did not finish in time");
    await sleep(POLL_MS);
  }
}
