/**
 * PostgreSQL's conflicts, on a real server: what Prisma 6.19 and @prisma/adapter-pg throw for a
 * serialization failure at a statement, one at COMMIT, and a deadlock, is recognised as "run it
 * again"; the connection of a transaction whose COMMIT failed goes back to the pool (Prisma leaves
 * it checked out: a pool's worth of such failures used to hang every later transaction); and the
 * store's client runs such transactions again until they commit, and nothing else again.
 *
 * The conflicts are made on purpose with gates between two transactions: write skew (each reads
 * what the other inserts) with the second inserting before the first commits fails the second at
 * its COMMIT; the second inserting after the first commits fails it at the statement; two
 * transactions updating two rows in opposite order deadlock.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PrismaClient } from "../../src/generated/prisma-postgresql/client.ts";
import { openDatabase } from "../../src/store/database.ts";
import { isRetryableConflict, releasingPool } from "../../src/store/postgresql-transactions.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";

/* Enough for the interactive transactions of both sides; the tag table is the scratch table. */
type Client = Pick<PrismaClient, "$transaction" | "tag">;
type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const serializable = { isolationLevel: "Serializable" as const };

/**
 * Write skew between `first` and `second` in round `round`: both read, then the second inserts
 * (before the first commits: `at` "commit", or after: `at` "statement"), the first inserts and
 * commits. PostgreSQL lets one of them commit and fails the second where `at` says.
 */
function writeSkew(client: Client, round: string, at: "commit" | "statement", counted?: { attempts: number }) {
  const read1 = gate();
  const read2 = gate();
  const inserted2 = gate();
  const committed1 = gate();
  const first = client
    .$transaction(async (tx: Tx) => {
      await tx.tag.count({ where: { arn: `x${round}` } });
      read1.open();
      await read2.opened;
      if (at === "commit") await inserted2.opened;
      await tx.tag.create({ data: { arn: `y${round}`, key: "k", value: "1" } });
    }, serializable)
    .finally(() => committed1.open());
  const second = client.$transaction(async (tx: Tx) => {
    if (counted) counted.attempts++;
    await tx.tag.count({ where: { arn: `y${round}` } });
    read2.open();
    await read1.opened;
    if (at === "statement") await committed1.opened;
    await tx.tag.create({ data: { arn: `x${round}`, key: "k", value: "1" } });
    inserted2.open();
    await committed1.opened;
  }, serializable);
  return Promise.allSettled([first, second]);
}

/** Two transactions updating the rows a and b in opposite orders: PostgreSQL ends one as a deadlock. */
async function deadlock(client: Client, counted?: { attempts: number }) {
  const locked = [gate(), gate()];
  const update = (tx: Tx, arn: string) => tx.tag.update({ where: { arn_key: { arn, key: "k" } }, data: { value: String(Math.random()) } });
  const side = (index: number, rows: [string, string]) =>
    client.$transaction(async (tx: Tx) => {
      if (counted) counted.attempts++;
      await update(tx, rows[0]);
      locked[index].open();
      await locked[1 - index].opened;
      await update(tx, rows[1]);
    });
  return Promise.allSettled([side(0, ["a", "b"]), side(1, ["b", "a"])]);
}

let url: string;

beforeAll(async () => {
  url = (await (await postgresqlServer()).freshDatabase()).url;
});

afterAll(stopPostgresqlServer);

beforeEach(async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DELETE FROM "Tag"`);
  await admin.query(`INSERT INTO "Tag" (arn, key, value) VALUES ('a', 'k', '0'), ('b', 'k', '0')`);
  await admin.end();
});

describe("Prisma's own errors (a client without the store's retry)", () => {
  let pool: pg.Pool;
  let client: PrismaClient;

  beforeAll(() => {
    pool = releasingPool({ connectionString: url, max: 3 });
    client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  });

  afterAll(() => client.$disconnect());

  it("a serialization failure at COMMIT is recognised, and its connection goes back to the pool, four pools' worth in a row", async () => {
    for (let round = 0; round < 12; round++) {
      const [first, second] = await writeSkew(client, `c${round}`, "commit");
      expect(first.status).toBe("fulfilled");
      expect(second.status).toBe("rejected");
      const error = (second as PromiseRejectedResult).reason;
      // At COMMIT Prisma gives the adapter's error as it is, without P2034.
      expect(error).toMatchObject({ name: "DriverAdapterError", cause: { kind: "TransactionWriteConflict", originalCode: "40001" } });
      expect(isRetryableConflict(error)).toBe(true);
      expect(pool.totalCount - pool.idleCount).toBe(0);
    }
  });

  it("a serialization failure at a statement (P2034) and a deadlock (40P01) are recognised", async () => {
    const [, second] = await writeSkew(client, "s", "statement");
    expect(second.status).toBe("rejected");
    expect((second as PromiseRejectedResult).reason).toMatchObject({ code: "P2034" });
    expect(isRetryableConflict((second as PromiseRejectedResult).reason)).toBe(true);

    const sides = await deadlock(client);
    const failed = sides.filter((side): side is PromiseRejectedResult => side.status === "rejected");
    expect(failed).toHaveLength(1);
    expect(failed[0].reason).toMatchObject({ cause: { originalCode: "40P01" } });
    expect(isRetryableConflict(failed[0].reason)).toBe(true);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it("other errors are not conflicts", async () => {
    const duplicate = await client.tag.create({ data: { arn: "a", key: "k", value: "again" } }).catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ code: "P2002" });
    expect(isRetryableConflict(duplicate)).toBe(false);
  });
});

describe("the store's client", () => {
  let client: Client;

  beforeAll(() => {
    client = openDatabase(url) as unknown as Client;
  });

  afterAll(() => (client as unknown as PrismaClient).$disconnect());

  it("runs a transaction failed at COMMIT again until it commits, over more rounds than its pool has connections", async () => {
    const counted = { attempts: 0 };
    for (let round = 0; round < 12; round++) {
      const results = await writeSkew(client, `r${round}`, "commit", counted);
      expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);
    }
    // Each round's second transaction failed once at COMMIT and was run again.
    expect(counted.attempts).toBeGreaterThanOrEqual(24);
    expect(await client.tag.count({ where: { key: "k", arn: { startsWith: "x" } } })).toBe(12);
    expect(await client.tag.count({ where: { key: "k", arn: { startsWith: "y" } } })).toBe(12);
  });

  it("runs a transaction failed at a statement, or as a deadlock, again", async () => {
    const counted = { attempts: 0 };
    expect((await writeSkew(client, "t", "statement", counted)).map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(counted.attempts).toBeGreaterThanOrEqual(2);
    counted.attempts = 0;
    expect((await deadlock(client, counted)).map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(counted.attempts).toBeGreaterThanOrEqual(3);
  });

  it("does not run a transaction again for any other error", async () => {
    let attempts = 0;
    const failed = await client
      .$transaction(async (tx: Tx) => {
        attempts++;
        await tx.tag.create({ data: { arn: "a", key: "k", value: "again" } });
      })
      .catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: "P2002" });
    expect(attempts).toBe(1);
  });
});
