/**
 * Composition root: configuration, logger, store, runtime, engines, services, reconciler, then
 * the HTTP server; graceful shutdown on SIGINT/SIGTERM. Nodes keep running across a shutdown
 * and are adopted by the next start.
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { buildApp } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config/index.ts";
import { probeCatalog } from "./catalog-probe.ts";
import type { ServiceContext } from "./elasticache/context.ts";
import { createServices, operationRegistry } from "./elasticache/services.ts";
import { LineProbe, MEMCACHED_VERSION, REDIS_PING } from "./engines/line-probe.ts";
import { RedisAdmin } from "./engines/redis-admin.ts";
import { EndpointSync } from "./controllers/endpoint-sync.ts";
import { HealthMonitor } from "./controllers/health-monitor.ts";
import { Reconciler } from "./controllers/reconciler.ts";
import { announceHostOf } from "./controllers/node-spec.ts";
import { chooseRuntime } from "./runtime/choose.ts";
import { isPortFree } from "./runtime/ports.ts";
import { DataDirInUse, lockDataDir } from "./store/data-dir-lock.ts";
import { openStore } from "./store/index.ts";
import { CertificateAuthority, CertificateAuthorityError } from "./tls/index.ts";

export async function start(config: Config) {
  const logger = pino({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true });
  // Before anything else touches the data directory: a second control plane on it stops here.
  const lock = lockDataDir(config.dataDir);
  const ports = { range: config.portRange, isFree: (port: number) => isPortFree(config.nodeHost, port) };
  warnOnEphemeralOverlap(config.portRange, logger);
  const { store, migrated } = await openStore(config.databaseUrl, ports);
  if (migrated.length > 0) logger.info({ migrations: migrated }, "database migrated");
  const installation = await store.installation.id();
  // Made on the first start and kept: a CA certificate clients downloaded keeps verifying nodes.
  const ca = await CertificateAuthority.open(path.join(config.dataDir, "tls"));
  logger.info({ caCertificate: ca.certificatePath, created: ca.created }, "certificate authority (clients verify TLS nodes with this file, or GET /v1/tls/ca.pem)");

  const { runtime, images } = await chooseRuntime({
    choice: config.runtime,
    dockerSocket: config.dockerSocket,
    images: config.images,
    imagesChosen: config.imagesChosen,
    instance: config.instance,
    installationId: installation,
    dataDir: config.dataDir,
    nodeHost: config.nodeHost,
    advertisedHost: config.advertisedHost,
    inDocker: config.inDocker,
    redisServerPath: config.redisServerPath,
    memcachedPath: config.memcachedPath,
    valkeyServerPath: config.valkeyServerPath,
    logger: logger.child({ component: "runtime" }),
  });
  const catalog = await probeCatalog({
    runtime: runtime.kind,
    images,
    binaries: { redis: config.redisServerPath, memcached: config.memcachedPath, valkey: config.valkeyServerPath },
  });
  logger.info({ runtime: runtime.kind, installation, images, engines: catalog.engines.map((e) => `${e.engine} ${e.version}`) }, "node runtime chosen");

  const redis = new RedisAdmin();
  const account = { region: config.region, accountId: config.accountId };
  let reconciler: Reconciler | undefined;
  const ctx: ServiceContext = {
    store,
    account,
    endpointHost: config.advertisedHost,
    catalog,
    controllers: { kick: () => reconciler?.kick() },
  };
  // Probes get their own connections and timeouts, so a slow admin command never delays a probe.
  const nodeClosed = (addr: { host: string; port: number }) => monitor.nodeClosed(addr);
  const redisProbe = new LineProbe(REDIS_PING, config.healthTimeoutMs, nodeClosed);
  const memcachedProbe = new LineProbe(MEMCACHED_VERSION, config.healthTimeoutMs, nodeClosed);
  const monitor = new HealthMonitor({
    store,
    redis,
    redisProbe,
    memcachedProbe,
    intervalMs: config.healthIntervalMs,
    failureThreshold: config.healthFailureThreshold,
    logger: logger.child({ component: "health" }),
    onFailure: () => {
      reconciler?.kick();
      void endpoints.sync();
    },
  });
  const endpoints = new EndpointSync({
    store,
    bindHost: config.nodeHost,
    advertisedHost: config.advertisedHost,
    logger: logger.child({ component: "endpoints" }),
  });
  const onTopology = () => {
    void monitor.refresh();
    return endpoints.sync();
  };
  reconciler = new Reconciler(
    { store, runtime, redis, account, syncTimeoutMs: 10_000, announceHost: announceHostOf(config.nodeHost), onTopology },
    { intervalMs: config.reconcileIntervalMs, logger: logger.child({ component: "reconciler" }) },
  );
  const services = createServices(ctx);
  await services.subnetGroups.ensureDefault();

  const app = await buildApp({
    operations: operationRegistry(services),
    bodyLimit: config.bodyLimit,
    accountId: config.accountId,
    credentials: config.credentials,
    caCertificate: ca.certificatePem,
    logger,
  });
  await app.listen({ host: config.host, port: config.port });
  logger.info({ signedCalls: config.credentials.size > 0, accessKeys: config.credentials.size }, config.credentials.size > 0 ? "API calls must be SigV4-signed" : "API open: no credentials configured");
  await endpoints.sync();
  // A safety net besides the topology callbacks (which do the real work): endpoints converge even
  // if one was missed. Rare, because each sync reads every group and node.
  const endpointResync = setInterval(() => void endpoints.sync(), config.reconcileIntervalMs * 6);
  endpointResync.unref();
  reconciler.start();
  monitor.start();

  let closing: Promise<void> | undefined;
  const stop = () =>
    (closing ??= (async () => {
      logger.info("shutting down");
      await app.close();
      monitor.stop();
      clearInterval(endpointResync);
      await reconciler.stop();
      await endpoints.close();
      await redis.close();
      redisProbe.close();
      memcachedProbe.close();
      await runtime.close();
      await store.close();
      lock.release();
    })());
  return { app, store, stop, logger, ca };
}

/** Ports in the kernel's ephemeral range can be taken by any outgoing connection at any time. */
function warnOnEphemeralOverlap([from, to]: [number, number], logger: pino.Logger): void {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (from <= high && to >= low) {
      logger.warn({ portRange: `${from}-${to}`, ephemeral: `${low}-${high}` }, "ECL_PORT_RANGE overlaps the kernel's ephemeral port range; nodes may have to move ports");
    }
  } catch {
    // not Linux: nothing to check
  }
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
    // The secrets are in `config` now; nodes started as child processes must not inherit them.
    delete process.env.ECL_CREDENTIALS;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`elasticache-local: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  let server: Awaited<ReturnType<typeof start>>;
  try {
    server = await start(config);
  } catch (error) {
    if (error instanceof DataDirInUse || error instanceof CertificateAuthorityError) {
      console.error(`elasticache-local: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
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
