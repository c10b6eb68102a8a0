/**
 * The event log (src/controllers/event-log.ts) on a real store, SQLite and PostgreSQL: each event
 * committed is told once, as an info line and to the listeners. On PostgreSQL ids are handed out
 * at insert, not at commit: an event whose transaction commits after a later event's (smaller id,
 * committed last) is still told, and nothing is told twice although the log reads that stretch of
 * ids again.
 */
import { Writable } from "node:stream";
import pg from "pg";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { EventLog } from "../../src/controllers/event-log.ts";
import { event } from "../../src/domain/events.ts";
import { openDatabase } from "../../src/store/database.ts";
import { Store } from "../../src/store/index.ts";
import { storeDatabases, type TestDatabase } from "../helpers/databases.ts";
import { eventually } from "../helpers/eventually.ts";

const pool = { range: [40000, 40999] as [number, number], isFree: async () => true };

let database: TestDatabase | undefined;
let store: Store | undefined;
let log: EventLog | undefined;

/** A store on a fresh database and its event log, started; what it tells, as listener calls and as info lines. */
async function started(fresh: () => Promise<TestDatabase>) {
  database = await fresh();
  store = new Store(openDatabase(database.url), pool);
  const lines: string[] = [];
  const output = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split("\n").map((line) => (JSON.parse(line) as { msg: string }).msg));
      done();
    },
  });
  log = new EventLog(store, pino({ level: "info" }, output), 20);
  const told: string[] = [];
  log.subscribe((told_) => told.push(told_.message));
  await log.start();
  return { store, told, lines };
}

afterEach(async () => {
  await log?.stop();
  await store?.close();
  await database?.remove();
  log = store = database = undefined;
});

const databases = storeDatabases();

describe.each(databases)("on $name", ({ fresh }) => {
  it("each event committed after the start is told once, to the listeners and as an info line", async () => {
    const { store, told, lines } = await started(fresh);
    for (const message of ["one", "two", "three"]) await store.events.record(event("cache-cluster", "c1", message));
    await eventually(() => told.length >= 3, 10_000, "three events told");
    await store.events.record(event("cache-cluster", "c1", "four"));
    await eventually(() => told.includes("four"), 10_000, "the fourth told");
    expect(told).toEqual(["one", "two", "three", "four"]);
    expect(lines).toEqual(told);
  });
});

describe("on postgresql", () => {
  it("an event committed after a later one, with a smaller id, is still told, and nothing twice", async () => {
    const { store, told } = await started(databases.find((database) => database.name === "postgresql")!.fresh);
    // A writer that inserted its event and has not committed yet: the event has its id already.
    const late = new pg.Client({ connectionString: database!.url });
    await late.connect();
    try {
      await late.query("BEGIN");
      const { rows } = await late.query<{ id: number }>(
        `INSERT INTO "Event" ("sourceIdentifier", "sourceType", "message", "date") VALUES ('c2', 'cache-cluster', 'late', now()) RETURNING id`,
      );
      await store.events.record(event("cache-cluster", "c1", "early"));
      await eventually(() => told.includes("early"), 10_000, "the early event told");
      const [early] = await store.events.after(rows[0].id);
      expect(early.message).toBe("early");
      await late.query("COMMIT");
    } finally {
      await late.end();
    }
    await eventually(() => told.includes("late"), 10_000, "the late event told");
    await store.events.record(event("cache-cluster", "c1", "after"));
    await eventually(() => told.includes("after"), 10_000, "the next event told");
    expect(told).toEqual(["early", "late", "after"]);
  });
});
