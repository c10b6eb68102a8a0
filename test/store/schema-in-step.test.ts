/**
 * One schema source, two databases: prisma/postgresql/schema.prisma is what
 * scripts/postgresql-schema.ts makes from prisma/schema.prisma, PostgreSQL's migrations have a
 * twin of every SQLite migration made after PostgreSQL's baseline, and applying PostgreSQL's
 * migrations gives exactly that schema (Prisma's own `migrate diff`, on a real PostgreSQL server,
 * finds nothing to change; the same diff does find a column the migrations lack).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { POSTGRESQL_SCHEMA, postgresqlSchema, SQLITE_SCHEMA } from "../../scripts/postgresql-schema.ts";
import { migrationNames } from "../../src/store/database.ts";
import { startPostgresql, type PostgresqlServer } from "../helpers/postgresql.ts";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
let server: PostgresqlServer;
const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-schema-"));

beforeAll(async () => {
  server = await startPostgresql();
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `prisma migrate diff` from PostgreSQL's migrations to a schema: its exit code (0 same, 2 different) and output. */
async function diffFromMigrations(schema: string): Promise<{ code: number; output: string }> {
  const args = [path.join(root, "node_modules", "prisma", "build", "index.js"), "migrate", "diff", "--from-migrations", path.join(root, "prisma", "postgresql", "migrations"), "--to-schema-datamodel", schema, "--exit-code"];
  try {
    const { stdout } = await run(process.execPath, args, { cwd: root, env: { ...process.env, DATABASE_URL: server.url("postgres") } });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

it("the committed PostgreSQL schema is the one made from prisma/schema.prisma", () => {
  expect(readFileSync(POSTGRESQL_SCHEMA, "utf8")).toBe(postgresqlSchema(readFileSync(SQLITE_SCHEMA, "utf8")));
});

it("every SQLite migration after PostgreSQL's baseline has a PostgreSQL twin of the same name, and no other", () => {
  const [baseline, ...later] = migrationNames("postgresql");
  expect(baseline).toMatch(/_baseline$/);
  // The baseline stands for every SQLite migration up to its timestamp.
  const stamp = (name: string) => name.slice(0, name.indexOf("_"));
  expect(migrationNames("sqlite").some((name) => stamp(name) === stamp(baseline))).toBe(true);
  expect(later).toEqual(migrationNames("sqlite").filter((name) => stamp(name) > stamp(baseline)));
});

it("PostgreSQL's migrations give exactly the schema: nothing to change, and a missing column is found", async () => {
  const same = await diffFromMigrations(POSTGRESQL_SCHEMA);
  expect(same, same.output).toMatchObject({ code: 0 });
  expect(same.output).toContain("No difference detected");

  const changed = path.join(dir, "schema.prisma");
  writeFileSync(changed, readFileSync(POSTGRESQL_SCHEMA, "utf8").replace("model Subnet {", "model Subnet {\n  addedLater String?"));
  const different = await diffFromMigrations(changed);
  expect(different, different.output).toMatchObject({ code: 2 });
  expect(different.output).toContain("addedLater");
});
