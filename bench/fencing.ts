/**
 * What the leader lease's fencing token costs a controller's write on PostgreSQL: the same write
 * (a subnet group created, then deleted) through the plain store and through the store fenced with
 * the lease's epoch (one more statement, `SELECT … FOR SHARE` of the LeaderEpoch row, in each write
 * transaction), in alternating blocks on one database, side by side.
 * Usage: npx tsx bench/fencing.ts [writes per kind]
 *
 * Measured 2026-12-01 (`npx tsx bench/fencing.ts 300`, twice, 2 cores shared with other runs):
 * 8.63 ms plain / 10.57 ms fenced, and 16.25 / 19.82 ms: 1.22x both times.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { openStore, type Store } from "../src/store/index.ts";
import { TAKE_EPOCH_SQL } from "../src/store/fencing.ts";
import { startPostgresql } from "../test/helpers/postgresql.ts";
import { fmt, median } from "./lib/measure.ts";

const writes = Number(process.argv[2]) || 300;
const BLOCK = 25;

/** One write and its undo, each a transaction, timed together. */
async function timedWrite(store: Store): Promise<number> {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  const started = performance.now();
  await store.subnetGroups.create({ name, description: name, vpcId: "vpc-1", subnets: [{ subnetId: `subnet-${name}`, availabilityZone: "us-east-1a" }] }, { arn: "", tags: [] });
  await store.subnetGroups.delete(name, "");
  return performance.now() - started;
}

export async function benchFencing(): Promise<string> {
  const postgresql = await startPostgresql();
  try {
    const { url } = await postgresql.freshDatabase();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const epoch = (await admin.query<{ epoch: number }>(TAKE_EPOCH_SQL)).rows[0].epoch;
    await admin.end();
    const { store } = await openStore(url, { range: [21_000, 21_010], isFree: async () => true });
    const fenced = store.fenced(epoch);
    for (let i = 0; i < BLOCK; i++) await timedWrite(store); // warm-up: connections, prepared plans
    const plain: number[] = [];
    const withToken: number[] = [];
    while (plain.length < writes) {
      for (let i = 0; i < BLOCK; i++) plain.push(await timedWrite(store));
      for (let i = 0; i < BLOCK; i++) withToken.push(await timedWrite(fenced));
    }
    await store.close();
    const ratio = median(withToken) / median(plain);
    const line = `fencing token: a write and its undo (two transactions), median of ${plain.length}: ${fmt(median(plain), 2)} ms plain, ${fmt(median(withToken), 2)} ms fenced (${ratio.toFixed(2)}x)`;
    console.log(line);
    return line;
  } finally {
    await postgresql.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFencing();
