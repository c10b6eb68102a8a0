/**
 * The driver adapter Prisma's CLI (migrate deploy, migrate diff) uses on PostgreSQL. Prisma 6.19's
 * schema engine reads PostgreSQL's catalog through the adapter, and @prisma/adapter-pg does not
 * know the catalog's `name` and `"char"` column types, so every migrate command fails with
 * "Column type 'name' could not be deserialized" (github.com/prisma/orm issue 27403, open). Both
 * types are text: the connections of this adapter report them as text. The application's own
 * client (src/store/postgresql.ts) reads no catalog and uses the plain adapter.
 *
 * Its shadow database (migrate diff --from-migrations) is made here too: the adapter's own puts
 * the shadow database's name beside a connection string that names the real one, and pg takes the
 * string's, so the migrations would be applied to the real database; and it drops the shadow
 * database while its own pool is still connected to it, so the drop fails and it is left behind.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

const TEXT = 25;
/** name (19) and "char" (18): identifiers and one-letter codes in pg_catalog. */
const TEXT_LIKE = new Set([18, 19]);

function asText<T>(result: T): T {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of (one as pg.QueryResult | undefined)?.fields ?? []) if (TEXT_LIKE.has(field.dataTypeID)) field.dataTypeID = TEXT;
  }
  return result;
}

class CatalogClient extends pg.Client {
  // pg's query has many overloads (promise, callback, Submittable): the result is fixed in each.
  override query(...args: unknown[]): never {
    const last = args.at(-1);
    if (typeof last === "function") {
      args[args.length - 1] = (error: unknown, result: unknown) => (last as (e: unknown, r: unknown) => void)(error, result && asText(result));
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return (out instanceof Promise ? out.then(asText) : out) as never;
  }
}

class MigrateAdapter extends PrismaPg {
  constructor(private readonly settings: pg.PoolConfig) {
    super(settings);
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...this.settings, database }).connect();
    const disposeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadow();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await main.dispose();
    };
    return shadow;
  }
}

export function migrateAdapter(connectionString: string): PrismaPg {
  // Separate settings, not a connection string, so the shadow database's name can replace the real one's.
  return new MigrateAdapter({ ...(parseIntoClientConfig(connectionString) as pg.PoolConfig), Client: CatalogClient } as pg.PoolConfig);
}
