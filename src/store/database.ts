/**
 * Opens the SQLite database through Prisma's better-sqlite3 adapter and applies the committed
 * migrations (prisma/migrations) with Prisma's own `migrate deploy`, but only when some are not
 * applied yet, so a restart costs no CLI run.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient, type Prisma } from "../generated/prisma/client.ts";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const migrationsDir = path.join(projectRoot, "prisma", "migrations");
const run = promisify(execFile);

export type Db = PrismaClient;
/** The client inside a transaction. */
export type Tx = Prisma.TransactionClient;

/** Part of every write of a versioned row (ReplicationGroup, CacheCluster). */
export const bump = { version: { increment: 1 } } as const;

export function filePathOf(databaseUrl: string): string {
  if (!databaseUrl.startsWith("file:")) throw new Error(`Only SQLite file: URLs are supported, got ${databaseUrl}`);
  return path.resolve(databaseUrl.slice("file:".length));
}

function pendingMigrations(file: string): string[] {
  const wanted = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
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

export async function migrate(databaseUrl: string): Promise<string[]> {
  const file = filePathOf(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  const pending = pendingMigrations(file);
  if (pending.length === 0) return [];
  const prismaCli = path.join(projectRoot, "node_modules", "prisma", "build", "index.js");
  await run(process.execPath, [prismaCli, "migrate", "deploy"], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  return pending;
}

export function openDatabase(databaseUrl: string): Db {
  const adapter = new PrismaBetterSQLite3({ url: databaseUrl, timeout: 10_000 });
  return new PrismaClient({ adapter });
}
