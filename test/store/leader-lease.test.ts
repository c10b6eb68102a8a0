/**
 * The leader lease on a real PostgreSQL server: of two candidates on one database exactly one
 * leads; when the leader's lock session is ended by the server (pg_terminate_backend, as a cut
 * connection or a restarted database would), the leader hears of it and gives up, the other
 * takes the lock, and the former leader, a candidate again, leads once the other stops; a
 * stopped leader hands over to a waiting candidate.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { FencedOutError, openStore, type Store } from "../../src/store/index.ts";
import { LeaderLease } from "../../src/store/leader-lease.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";
import { eventually } from "../helpers/eventually.ts";

let url: string;
const leases: LeaderLease[] = [];
const stores: Store[] = [];

beforeAll(async () => {
  // Migrated: the lease takes its epoch (the fencing token) from the LeaderEpoch table.
  url = (await (await postgresqlServer()).freshDatabase()).url;
});

afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.stop()));
  await Promise.all(stores.map((store) => store.close()));
  await stopPostgresqlServer();
});

/** A candidate that records, in one shared list, when it gained and lost the lease, and its epochs by name. */
function candidate(name: string, log: string[], epochs: Record<string, number> = {}): LeaderLease {
  const lease = new LeaderLease(url, {
    pollMs: 100,
    onGained: (epoch) => {
      log.push(`${name} gained`);
      epochs[name] = epoch;
    },
    onLost: () => log.push(`${name} lost`),
  });
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

/**
 * Waits until `to` leads after the lock session of `from` was ended. Both are candidates again at
 * once, the former leader too: should it win, its session is ended again.
 */
async function handOver(from: LeaderLease, to: LeaderLease): Promise<void> {
  await eventually(
    async () => {
      if (from.leading) await terminateLockSessions();
      return to.leading;
    },
    10_000,
    "the other takes over",
  );
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
  await handOver(leader, other);
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

it("a leader's fenced store writes until another takes the lease, then every write of it is refused; the unfenced store writes on", async () => {
  await Promise.all(leases.splice(0).map((lease) => lease.stop()));
  const { store } = await openStore(url, { range: [21_000, 21_010], isFree: async () => true });
  stores.push(store);
  const subnetGroup = (name: string) => ({ name, description: name, vpcId: "vpc-1", subnets: [{ subnetId: `subnet-${name}`, availabilityZone: "us-east-1a" }] });
  const log: string[] = [];
  const epochs: Record<string, number> = {};
  const a = candidate("a", log, epochs);
  await eventually(async () => a.leading, 10_000, "a leads");
  const ofA = store.fenced(epochs.a);
  await ofA.subnetGroups.create(subnetGroup("in-term"), { arn: "", tags: [] });

  // b takes over; a's fenced store stands for a's controllers that have not noticed yet (paused).
  const b = candidate("b", log, epochs);
  await terminateLockSessions();
  await handOver(a, b);
  expect(epochs.b).toBeGreaterThan(epochs.a);
  await expect(ofA.subnetGroups.create(subnetGroup("after-term"), { arn: "", tags: [] })).rejects.toBeInstanceOf(FencedOutError);
  // A write outside a transaction of its own (one updateMany) is fenced too.
  await expect(ofA.snapshots.markAutomatedDeleting({ replicationGroupId: "none" })).rejects.toBeInstanceOf(FencedOutError);
  expect((await store.subnetGroups.list()).map((group) => group.name)).not.toContain("after-term");
  // b's epoch and the API's unfenced store write on.
  await store.fenced(epochs.b).subnetGroups.create(subnetGroup("b-term"), { arn: "", tags: [] });
  await store.subnetGroups.create(subnetGroup("api"), { arn: "", tags: [] });
  expect((await store.subnetGroups.list()).map((group) => group.name)).toEqual(expect.arrayContaining(["in-term", "b-term", "api"]));
});
