// Prisma 6.19 with the JavaScript schema engine and a driver adapter: works fully offline (Prisma
// 7's CLI downloads a native engine at every command). DATABASE_URL picks the database: a
// postgresql:// (or postgres://) URL uses PostgreSQL's schema (made from prisma/schema.prisma by
// scripts/postgresql-schema.ts) and migrations; anything else is an SQLite file.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { migrateAdapter } from "./prisma/postgresql/migrate-adapter.ts";

const url = process.env.DATABASE_URL ?? `file:${path.resolve(process.env.ECL_DATA_DIR ?? "data", "elasticache-local.db")}`;
process.env.DATABASE_URL = url;
const postgresql = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  schema: postgresql ? path.join("prisma", "postgresql", "schema.prisma") : path.join("prisma", "schema.prisma"),
  migrations: { path: postgresql ? path.join("prisma", "postgresql", "migrations") : path.join("prisma", "migrations") },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => (postgresql ? migrateAdapter(url) : new PrismaBetterSQLite3({ url })),
});
