/**
 * The store on PostgreSQL (DATABASE_URL=postgresql://…), through Prisma's pg driver adapter and the
 * client generated from prisma/postgresql/schema.prisma. What SQLite gives the store for free is
 * made explicit here:
 * - SQLite runs one write transaction at a time, so every transaction is serializable. PostgreSQL's
 *   default (read committed) would let two check-then-write transactions both pass their check;
 *   so every interactive transaction runs SERIALIZABLE and is run again when PostgreSQL aborts it
 *   as a conflict, at a statement or at COMMIT (postgresql-transactions.ts). A retried
 *   transaction sees the winner's rows and fails the way SQLite's loser fails (a duplicate id, a
 *   stale version), so the repositories keep one set of rules.
 * - The raw SQL of the store is written with `?` parameters (joined-reads.ts), which PostgreSQL
 *   spells `$1, $2, …`: rewritten on the way through.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma-postgresql/client.ts";
import { commitsLate, releasingPool, serializableRetried, type Transaction } from "./postgresql-transactions.ts";

export const isPostgresqlUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** `?` placeholders as `$n`, leaving quoted identifiers and string literals alone. */
export function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/("[^"]*"|'[^']*')|\?/g, (match, quoted: string | undefined) => quoted ?? `$${++index}`);
}

/** The client or a transaction client, with `?` placeholders accepted by the raw query. */
function withPlaceholders<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (property === "$queryRawUnsafe" && typeof value === "function") {
        return (sql: string, ...params: unknown[]) => value.call(target, numberedPlaceholders(sql), ...params);
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The client; database.ts names it by the SQLite client's type, which it shares (one schema source). */
export function openPostgresql(databaseUrl: string): PrismaClient {
  const pool = releasingPool({ connectionString: databaseUrl });
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  const transaction = client.$transaction.bind(client) as unknown as Transaction;
  const serializable = serializableRetried((run, options) => transaction((tx) => run(withPlaceholders(tx as object)), options));
  const opened = new Proxy(withPlaceholders(client), {
    get: (target, property) => (property === "$transaction" ? serializable : Reflect.get(target, property)),
  });
  return commitsLate(opened);
}

/** Any number of our own, apart from Prisma's (72707369), which `migrate deploy` takes inside ours. */
const MIGRATION_LOCK = 0x45434c4d; // "ECLM"

/**
 * Runs `work` (look for pending migrations, apply them) while holding a session advisory lock, so
 * control planes starting together on one database migrate one after the other: the later ones
 * wait as long as it takes (Prisma's own lock gives up after 10 s, which a loaded machine's first
 * migration exceeds) and then find nothing pending. The lock ends with the session, crash or not.
 */
export async function withMigrationLock<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const connection = new pg.Client({ connectionString: databaseUrl });
  await connection.connect();
  try {
    await connection.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    return await work();
  } finally {
    await connection.end();
  }
}

/** Migrations recorded as applied in the database; empty before the first. */
export async function appliedPostgresqlMigrations(databaseUrl: string): Promise<Set<string>> {
  const connection = new pg.Client({ connectionString: databaseUrl });
  await connection.connect();
  try {
    const { rows } = await connection.query<{ table: string | null }>(`SELECT to_regclass('_prisma_migrations')::text AS "table"`);
    if (rows[0].table === null) return new Set();
    const done = await connection.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    return new Set(done.rows.map((row) => row.migration_name));
  } finally {
    await connection.end();
  }
}
