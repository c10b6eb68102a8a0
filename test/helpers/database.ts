/**
 * Migrated SQLite databases for tests: the migrations run once per test file into a template,
 * which every server or store under test gets a copy of.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate } from "../../src/store/database.ts";

let template: Promise<string> | undefined;

/** A migrated empty database, made once per test file. */
export function templateDatabase(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-template-"));
    const file = path.join(dir, "template.db");
    await migrate(`file:${file}`);
    return file;
  })();
  return template;
}

/** A fresh migrated database file in its own directory; `remove()` deletes it. */
export async function freshDatabase(): Promise<{ file: string; url: string; remove(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-db-"));
  const file = path.join(dir, "elasticache-local.db");
  copyFileSync(await templateDatabase(), file);
  return { file, url: `file:${file}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
