/**
 * A read-only SQLite connection for the reads the API serves most (Describe*). Prisma costs about
 * half a millisecond per query before any row is read, and more per value it converts; the same
 * statement through better-sqlite3 costs a fraction of that. Writes and reads inside transactions
 * stay with Prisma. WAL mode lets this connection read while Prisma writes; it sees what is
 * committed. Values are converted by the columns' declared types, as Prisma would.
 */
import Database from "better-sqlite3";
import { filePathOf } from "./database.ts";
import type { Query } from "./joined-reads.ts";

type Convert = (value: unknown) => unknown;

const CONVERSIONS: Record<string, Convert> = {
  BOOLEAN: (value) => (value === null ? null : value === 1 || value === true),
  DATETIME: (value) => (value === null ? null : new Date(typeof value === "number" ? value : String(value).includes("T") ? String(value) : `${String(value).replace(" ", "T")}Z`)),
};

export interface ReadConnection {
  query: Query;
  /** Changes whenever another connection (Prisma's writer) committed; the read cache's key (read-cache.ts). */
  version(): number;
  close(): void;
}

export function openReadConnection(databaseUrl: string): ReadConnection {
  const db = new Database(filePathOf(databaseUrl), { readonly: true, fileMustExist: true });
  const statements = new Map<string, { statement: Database.Statement; columns: [string, Convert | undefined][] }>();
  const prepared = (sql: string) => {
    let entry = statements.get(sql);
    if (!entry) {
      const statement = db.prepare(sql).raw(true);
      const columns = statement.columns().map((column): [string, Convert | undefined] => [column.name, CONVERSIONS[column.type?.toUpperCase() ?? ""]]);
      entry = { statement, columns };
      statements.set(sql, entry);
    }
    return entry;
  };
  const dataVersion = db.prepare("PRAGMA data_version").pluck();
  return {
    version: () => dataVersion.get() as number,
    async query(sql, params) {
      const { statement, columns } = prepared(sql);
      return (statement.all(...params) as unknown[][]).map((values) => {
        const row: Record<string, unknown> = {};
        for (let index = 0; index < columns.length; index++) {
          const [name, convert] = columns[index];
          row[name] = convert ? convert(values[index]) : values[index];
        }
        return row;
      });
    },
    close: () => db.close(),
  };
}
