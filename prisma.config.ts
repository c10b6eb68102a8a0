// Prisma 6.19 with the JavaScript schema engine and the better-sqlite3 adapter: works fully
// offline (Prisma 7's CLI downloads a native engine at every command).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

const url = process.env.DATABASE_URL ?? `file:${path.resolve(process.env.ECL_DATA_DIR ?? "data", "elasticache-local.db")}`;
process.env.DATABASE_URL = url;

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => new PrismaBetterSQLite3({ url }),
});
