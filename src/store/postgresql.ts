/**
 * The store on PostgreSQL (DATABASE_URL=postgresql://…), through Prisma's pg driver adapter and the
 * client generated from prisma/postgresql/schema.prisma. What SQLite gives the store for free is
 * made explicit here:
 * - SQLite runs one write transaction at a time, so every transaction is serializable. PostgreSQL's
 *   default (read committed) would let two check-then-write transactions both pass their check;
 *   so every interactive transaction runs SERIALIZABLE and is run again when PostgreSQL aborts it
 *   as a serialization failure or deadlock (P2034), as PostgreSQL's documentation asks. A retried
 *   transaction sees the winner's rows and fails the way SQLite's loser fails (a duplicate id, a
 *   stale version), so the repositories keep one set of rules.
 * - The raw SQL of the store is written with `?` parameters (joined-reads.ts), which PostgreSQL
 *   spells `$1, $2, …`: rewritten on the way through.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma-postgresql/client.ts";

/** Attempts of one transaction before the serialization failure is the caller's. */
const ATTEMPTS = 20;

export const isPostgresqlUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** `?` placeholders as `$n`, leaving quoted identifiers and string literals alone. */
export function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/("[^"]*"|'[^']*')|\?/g, (match, quoted: string | undefined) => quoted ?? `$${++index}`);
}

/**
 * PostgreSQL's "run it again" errors: a serialization failure (40001) comes as Prisma's P2034; a
 * deadlock (40P01) has no Prisma code and comes as the adapter's error with PostgreSQL's code.
 */
function isSerializationFailure(error: unknown): boolean {
  const failure = error as { code?: string; cause?: { code?: string } } | null;
  return failure?.code === "P2034" || failure?.cause?.code === "40001" || failure?.cause?.code === "40P01";
}

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** Math.min(attempt, 6)));

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

type Transaction = (run: (tx: unknown) => Promise<unknown>, options?: Record<string, unknown>) => Promise<unknown>;

/** The client; database.ts names it by the SQLite client's type, which it shares (one schema source). */
export function openPostgresql(databaseUrl: string): PrismaClient {
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  const transaction = client.$transaction.bind(client) as unknown as Transaction;
  const serializable: Transaction = async (run, options) => {
    // The batch form ($transaction([…])) is not used by the store; it would go through unchanged.
    if (typeof run !== "function") return transaction(run, options);
    for (let attempt = 1; ; attempt++) {
      try {
        return await transaction((tx) => run(withPlaceholders(tx as object)), { isolationLevel: "Serializable", ...options });
      } catch (error) {
        if (!isSerializationFailure(error) || attempt >= ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  };
  const wrapped = withPlaceholders(client);
  return new Proxy(wrapped, {
    get: (target, property) => (property === "$transaction" ? serializable : Reflect.get(target, property)),
  });
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
