/**
 * The databases the store runs on, for tests that run once on each (describe.each): SQLite (a
 * copy of a migrated file) and PostgreSQL (a database of a server this test file starts on first
 * use, test/helpers/postgresql.ts, and stops after its tests). Call at the top level of a test file.
 */
import { afterAll } from "vitest";
import { freshDatabase } from "./database.ts";
import { startPostgresql, type PostgresqlServer } from "./postgresql.ts";

export interface TestDatabase {
  url: string;
  remove(): Promise<void> | void;
}

export interface DatabaseUnderTest {
  name: "sqlite" | "postgresql";
  /** A new migrated, empty database. */
  fresh(): Promise<TestDatabase>;
}

let server: Promise<PostgresqlServer> | undefined;

/** This test file's PostgreSQL server, started on the first call. */
export function postgresqlServer(): Promise<PostgresqlServer> {
  server ??= startPostgresql();
  return server;
}

/** Stops this test file's PostgreSQL server, if one was started. */
export async function stopPostgresqlServer(): Promise<void> {
  const started = server;
  server = undefined;
  await (await started)?.stop();
}

export function storeDatabases(): DatabaseUnderTest[] {
  afterAll(stopPostgresqlServer);
  return [
    { name: "sqlite", fresh: freshDatabase },
    { name: "postgresql", fresh: async () => (await postgresqlServer()).freshDatabase() },
  ];
}
