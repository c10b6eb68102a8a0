/**
 * Composition root: configuration, logger, store, services, then the HTTP server; graceful
 * shutdown on SIGINT/SIGTERM.
 */
import { mkdirSync } from "node:fs";
import pino from "pino";
import { buildApp } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config/index.ts";
import { createServices, operationRegistry } from "./elasticache/services.ts";
import { migrate, openDatabase } from "./store/database.ts";

export async function start(config: Config) {
  const logger = pino({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true });
  const applied = await migrate(config.databaseUrl);
  if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
  const db = openDatabase(config.databaseUrl);

  const ctx = {
    db,
    account: { region: config.region, accountId: config.accountId },
    kick: () => {},
  };
  const services = createServices(ctx);
  await services.subnetGroups.ensureDefault();

  const app = await buildApp({ operations: operationRegistry(services), bodyLimit: config.bodyLimit, logger });
  await app.listen({ host: config.host, port: config.port });

  let closing: Promise<void> | undefined;
  const stop = () =>
    (closing ??= (async () => {
      logger.info("shutting down");
      await app.close();
      await db.$disconnect();
    })());
  return { app, db, stop, logger };
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`elasticache-local: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const server = await start(config);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      server.stop().then(
        () => process.exit(0),
        (error) => {
          server.logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
