/**
 * The leader lease on a real PostgreSQL server: of two candidates on one database exactly one
 * leads; when the leader's lock session is ended by the server (pg_terminate_backend, as a cut
 * connection or a restarted database would), the leader hears of it and gives up, the other
 * takes the lock, and the former leader, a candidate again, leads once the other stops; a
 * stopped leader hands over to a waiting candidate.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LeaderLease } from "../../src/store/leader-lease.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";
import { eventually } from "../helpers/eventually.ts";

let url: string;
const leases: LeaderLease[] = [];

beforeAll(async () => {
  url = (await (await postgresqlServer()).emptyDatabase()).url;
});

afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.stop()));
  await stopPostgresqlServer();
});

/** A candidate that records, in one shared list, when it gained and lost the lease. */
function candidate(name: string, log: string[]): LeaderLease {
  const lease = new LeaderLease(url, { pollMs: 100, onGained: () => log.push(`${name} gained`), onLost: () => log.push(`${name} lost`) });
  leases.push(lease);
  lease.start();
  return lease;
}

/** Ends every session holding an advisory lock, from outside, as the server would drop them. */
async function terminateLockSessions(): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query("SELECT pg_terminate_backend(pid) AS done FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()");
    return rows.length;
  } finally {
    await admin.end();
  }
}

it("one of two candidates leads; a leader whose lock session ends stops, the other takes over, and the first leads again later", async () => {
  const log: string[] = [];
  const a = candidate("a", log);
  const b = candidate("b", log);
  await eventually(async () => a.leading || b.leading, 10_000, "a leader");
  const [leader, other] = a.leading ? [a, b] : [b, a];
  const [name, otherName] = a.leading ? ["a", "b"] : ["b", "a"];
  expect(log).toEqual([`${name} gained`]);

  expect(await terminateLockSessions()).toBe(1);
  // Both are candidates again now, the former leader too: should it win, its session is ended again.
  await eventually(
    async () => {
      if (leader.leading) await terminateLockSessions();
      return other.leading;
    },
    10_000,
    "the other takes over",
  );
  // Each term ended is reported before the next one starts in that candidate; the server frees
  // the lock as it ends the session, so the order of one's "lost" and the other's "gained" is not
  // promised (README: the lock connection check is the guard, and its limit).
  expect(log[0]).toBe(`${name} gained`);
  expect(log.at(-1)).toBe(`${otherName} gained`);
  expect(log.filter((entry) => entry === `${name} gained`).length).toBe(log.filter((entry) => entry === `${name} lost`).length);
  expect([a.leading, b.leading].filter(Boolean)).toHaveLength(1);

  // The former leader polls again: it takes the lease once the other releases it.
  const before = log.length;
  await other.stop();
  await eventually(async () => leader.leading, 10_000, "the first leads again");
  expect(log.slice(before)).toEqual([`${name} gained`]);
});

it("a stopped leader releases the lease to a waiting candidate", async () => {
  await Promise.all(leases.splice(0).map((lease) => lease.stop()));
  const log: string[] = [];
  const a = candidate("a", log);
  await eventually(async () => a.leading, 10_000, "a leads");
  const b = candidate("b", log);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(b.leading).toBe(false);
  await a.stop();
  await eventually(async () => b.leading, 10_000, "b leads");
  expect(log).toEqual(["a gained", "b gained"]);
});
