/**
 * Opens the database named by DATABASE_URL and applies the committed migrations with Prisma's own
 * `migrate deploy`, but only when some are not applied yet, so a restart costs no CLI run. An
 * SQLite file (file: URL, the default) goes through Prisma's better-sqlite3 adapter with
 * prisma/migrations; PostgreSQL (postgresql:// URL) through the pg adapter with
 * prisma/postgresql/migrations (postgresql.ts). prisma.config.ts picks the same by the same URL.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient, type Prisma } from "../generated/prisma/client.ts";
import { appliedPostgresqlMigrations, isPostgresqlUrl, openPostgresql, withMigrationLock } from "./postgresql.ts";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const migrationsDirs = {
  sqlite: path.join(projectRoot, "prisma", "migrations"),
  postgresql: path.join(projectRoot, "prisma", "postgresql", "migrations"),
};
const run = promisify(execFile);

export type Db = PrismaClient;
/** The client inside a transaction. */
export type Tx = Prisma.TransactionClient;

/** Part of every write of a versioned row (ReplicationGroup, CacheCluster). */
export const bump = { version: { increment: 1 } } as const;

export type DatabaseKind = keyof typeof migrationsDirs;

export const databaseKindOf = (databaseUrl: string): DatabaseKind => (isPostgresqlUrl(databaseUrl) ? "postgresql" : "sqlite");

export function filePathOf(databaseUrl: string): string {
  if (!databaseUrl.startsWith("file:")) throw new Error(`DATABASE_URL must be an SQLite file: URL or a postgresql:// URL, got ${databaseUrl}`);
  return path.resolve(databaseUrl.slice("file:".length));
}

/** The committed migrations of one kind of database, in order. */
export function migrationNames(kind: DatabaseKind): string[] {
  return readdirSync(migrationsDirs[kind], { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function pendingSqliteMigrations(file: string): string[] {
  const wanted = migrationNames("sqlite");
  const sqlite = new Database(file);
  try {
    // WAL lets the API read while the reconciler writes; it is a property of the file, set once.
    sqlite.pragma("journal_mode = WAL");
    const table = sqlite.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='_prisma_migrations'").get();
    if (!table) return wanted;
    const done = new Set(
      sqlite
        .prepare("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")
        .all()
        .map((row) => (row as { migration_name: string }).migration_name),
    );
    return wanted.filter((name) => !done.has(name));
  } finally {
    sqlite.close();
  }
}

async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  if (databaseKindOf(databaseUrl) === "postgresql") {
    const done = await appliedPostgresqlMigrations(databaseUrl);
    return migrationNames("postgresql").filter((name) => !done.has(name));
  }
  const file = filePathOf(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  return pendingSqliteMigrations(file);
}

/** Two control planes starting at once on one PostgreSQL database migrate one after the other (withMigrationLock). */
export async function migrate(databaseUrl: string): Promise<string[]> {
  if (databaseKindOf(databaseUrl) === "postgresql") return withMigrationLock(databaseUrl, () => migrateNow(databaseUrl));
  return migrateNow(databaseUrl);
}

async function migrateNow(databaseUrl: string): Promise<string[]> {
  const pending = await pendingMigrations(databaseUrl);
  if (pending.length === 0) return [];
  const prismaCli = path.join(projectRoot, "node_modules", "prisma", "build", "index.js");
  await run(process.execPath, [prismaCli, "migrate", "deploy"], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  return pending;
}

export function openDatabase(databaseUrl: string): Db {
  // The two generated clients have the same models (one schema source): the repositories name the SQLite one's types.
  if (databaseKindOf(databaseUrl) === "postgresql") return openPostgresql(databaseUrl) as unknown as Db;
  const adapter = new PrismaBetterSQLite3({ url: databaseUrl, timeout: 10_000 });
  return new PrismaClient({ adapter });
}
