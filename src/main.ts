/**
 * Composition root: configuration, logger, store, runtime, engines, services, reconciler, then
 * the HTTP server; graceful shutdown on SIGINT/SIGTERM. Nodes keep running across a shutdown
 * and are adopted by the next start.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { buildApp } from "./app.ts";
import type { Logger } from "pino";
import { bannerOf, createLogger } from "./logger.ts";
import { ConfigError, loadConfig, type Config } from "./config/index.ts";
import { probeCatalog } from "./catalog-probe.ts";
import type { ServiceContext } from "./elasticache/context.ts";
import { ResetService } from "./elasticache/reset.ts";
import { createServices, operationRegistry } from "./elasticache/services.ts";
import { LineProbe, MEMCACHED_VERSION, REDIS_PING } from "./engines/line-probe.ts";
import { RedisAdmin } from "./engines/redis-admin.ts";
import { EndpointSync } from "./controllers/endpoint-sync.ts";
import { EventLog } from "./controllers/event-log.ts";
import { HealthMonitor } from "./controllers/health-monitor.ts";
import { FailoverTimings } from "./controllers/failover/timings.ts";
import { observedOperations } from "./metrics/api-calls.ts";
import { NodeMetricsBook } from "./metrics/node-book.ts";
import { createMetrics } from "./metrics/prometheus.ts";
import { Reconciler } from "./controllers/reconciler.ts";
import { announceHostOf } from "./controllers/node-spec.ts";
import { SnapshotFileStore } from "./controllers/snapshot-files.ts";
import { SnapshotController } from "./controllers/snapshots.ts";
import { AutomaticBackupController } from "./controllers/automatic-backups.ts";
import { SettableClock, systemClock } from "./controllers/clock.ts";
import { AutomatedSnapshots } from "./elasticache/automatic-snapshots.ts";
import { ParameterController } from "./controllers/parameters.ts";
import { chooseRuntime, DockerUnavailable } from "./runtime/choose.ts";
import { isPortFree } from "./runtime/ports.ts";
import { DataDirInUse, lockDataDir } from "./store/data-dir-lock.ts";
import { openStore } from "./store/index.ts";
import { LeaderLease } from "./store/leader-lease.ts";
import { isPostgresqlUrl } from "./store/postgresql.ts";
import { CertificateAuthority, CertificateAuthorityError, nodeCertificates } from "./tls/index.ts";

/** The controllers that run only on the leader. */
interface Crew {
  monitor: HealthMonitor;
  reconciler: Reconciler;
  parameterApplier: ParameterController;
  snapshotter: SnapshotController;
  automaticBackups: AutomaticBackupController;
}

export async function start(config: Config) {
  const logger = createLogger(config);
  mkdirSync(config.dataDir, { recursive: true });
  // Before anything else touches the data directory: a second control plane on it stops here. On
  // PostgreSQL the instances of one host share it (nodes, CA, snapshots) and the leader lease
  // decides which one acts on it.
  const onPostgresql = isPostgresqlUrl(config.databaseUrl);
  const lock = onPostgresql ? { release() {} } : lockDataDir(config.dataDir);
  // Swarm publishes a node's ports on every address of its host: a port must be free on all of them.
  const portHost = config.runtime === "swarm" ? "0.0.0.0" : config.nodeHost;
  const ports = { range: config.portRange, isFree: (port: number) => isPortFree(portHost, port) };
  warnOnEphemeralOverlap(config.portRange, logger);
  const { store, migrated } = await openStore(config.databaseUrl, ports);
  if (migrated.length > 0) logger.info({ migrations: migrated }, "database migrated");
  const installation = await store.installation.id();
  // Made on the first start and kept: a CA certificate clients downloaded keeps verifying nodes.
  const ca = await CertificateAuthority.open(path.join(config.dataDir, "tls"));
  logger.info({ caCertificate: ca.certificatePath, created: ca.created }, "certificate authority (clients verify TLS nodes with this file, or GET /v1/tls/ca.pem)");

  const { runtime, images, presentImages } = await chooseRuntime({
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
    swarmZoneLabel: config.swarmZoneLabel,
    logger: logger.child({ component: "runtime" }),
  });
  const catalog = await probeCatalog({
    // Swarm services run the same images as Docker containers.
    runtime: runtime.kind === "process" ? "process" : "docker",
    images,
    binaries: { redis: config.redisServerPath, memcached: config.memcachedPath, valkey: config.valkeyServerPath },
    presentImages,
    onMissingImage: (engine, version, image) =>
      logger.info({ engine, version, image }, `${engine} ${version} not offered: image ${image} is absent (docker pull it, or see scripts/build-images.sh)`),
  });
  logger.info({ runtime: runtime.kind, installation, images, engines: catalog.engines.map((e) => `${e.engine} ${e.version}`) }, "node runtime chosen");

  const redis = new RedisAdmin();
  const certificates = nodeCertificates(ca, [config.advertisedHost, config.nodeHost]);
  const account = { region: config.region, accountId: config.accountId };
  // The controllers of the current term as leader: made anew each time this instance takes the
  // lease, since a stopped controller never starts again (its Kicker stays stopped).
  let crew: Crew | undefined;
  // Whether this instance runs the controllers now: at once on SQLite, while it holds the lease on PostgreSQL.
  let leading = false;
  const snapshotFiles = new SnapshotFileStore(path.join(config.dataDir, "snapshots"), config.s3Dir);
  mkdirSync(config.s3Dir, { recursive: true });
  const ctx: ServiceContext = {
    store,
    account,
    endpointHost: config.advertisedHost,
    proxyHost: config.endpointHost ?? config.advertisedHost,
    catalog,
    controllers: {
      kick: () => {
        // Not leading (ECL_CONTROLLERS=false, or another instance holds the lease): the leader finds the change on its next pass.
        if (!leading) return;
        crew?.reconciler.kick();
        crew?.snapshotter.kick();
        crew?.parameterApplier.kick();
      },
    },
    snapshotFiles,
    subnetIds: config.subnetIds,
  };
  // Probes get their own connections and timeouts, so a slow admin command never delays a probe.
  const nodeClosed = (addr: { host: string; port: number }) => crew?.monitor.nodeClosed(addr);
  const redisProbe = new LineProbe(REDIS_PING, config.healthTimeoutMs, nodeClosed);
  const memcachedProbe = new LineProbe(MEMCACHED_VERSION, config.healthTimeoutMs, nodeClosed);
  // Metrics: nodes' statistics read on the probe connections, the control plane's own; GET /metrics.
  const nodeMetrics = new NodeMetricsBook();
  const metrics = createMetrics({ nodes: nodeMetrics, endpointConnections: () => endpoints.connectionCounts(), leader: () => leading });
  const timings = new FailoverTimings(logger.child({ component: "failover" }), Date.now, (totalMs) =>
    metrics.failover(totalMs === undefined ? undefined : totalMs / 1000),
  );
  const endpoints = new EndpointSync({
    store,
    bindHost: config.endpointHost ?? config.nodeHost,
    advertisedHost: config.advertisedHost,
    logger: logger.child({ component: "endpoints" }),
  });
  const settableClock = config.testClock ? new SettableClock() : undefined;
  /**
   * The controllers of one term as leader, made but not started. On PostgreSQL they write through
   * the store fenced with the term's epoch: once another instance takes the lease, their writes fail.
   */
  const makeCrew = (epoch: number | undefined): Crew => {
    const ownStore = epoch === undefined ? store : store.fenced(epoch);
    const monitor: HealthMonitor = new HealthMonitor({
      store: ownStore,
      timings,
      redis,
      redisProbe,
      memcachedProbe,
      certificates,
      intervalMs: config.healthIntervalMs,
      failureThreshold: config.healthFailureThreshold,
      ...(config.metricsIntervalMs > 0 && { nodeMetrics: { book: nodeMetrics, intervalMs: config.metricsIntervalMs } }),
      logger: logger.child({ component: "health" }),
      onFailure: () => {
        reconciler.kick();
        void endpoints.sync();
      },
    });
    // Resolves once both follow the store: a controller about to restart nodes on purpose (a change
    // of transit encryption) waits until the health monitor no longer probes them as they were.
    const onTopology = async () => {
      await Promise.all([monitor.refresh(), endpoints.sync()]);
    };
    const controllerContext = { store: ownStore, runtime, redis, account, certificates, syncTimeoutMs: 10_000, announceHost: announceHostOf(config.nodeHost), onTopology, timings };
    const reconciler = new Reconciler(controllerContext, {
      intervalMs: config.reconcileIntervalMs,
      logger: logger.child({ component: "reconciler" }),
      onPass: metrics.reconcilePass,
    });
    const parameterApplier = new ParameterController(controllerContext, { intervalMs: config.reconcileIntervalMs, logger: logger.child({ component: "parameters" }) });
    const snapshotter = new SnapshotController(controllerContext, snapshotFiles, { intervalMs: config.reconcileIntervalMs, logger: logger.child({ component: "snapshots" }) });
    const automaticBackups = new AutomaticBackupController(ownStore, {
      intervalMs: config.backupIntervalMs,
      clock: settableClock ?? systemClock,
      // Through the term's fenced store too: a former leader's backups stop with its lease.
      starter: new AutomatedSnapshots({ ...ctx, store: ownStore }),
      onSnapshotsChanged: () => snapshotter.kick(),
      logger: logger.child({ component: "automatic-backups" }),
    });
    return { monitor, reconciler, parameterApplier, snapshotter, automaticBackups };
  };
  const services = createServices(ctx);
  await services.subnetGroups.ensureDefault();
  await services.users.ensureDefault();
  const resetService = new ResetService(ctx);

  const eventLog = new EventLog(store, logger.child({ component: "events" }));
  const app = await buildApp({
    operations: observedOperations(operationRegistry(services), metrics.apiCall),
    metrics: metrics.registry,
    dashboard: { subscribe: (listener) => eventLog.subscribe(listener), nodeMetrics: () => nodeMetrics.list() },
    bodyLimit: config.bodyLimit,
    accountId: config.accountId,
    credentials: config.credentials,
    caCertificate: ca.certificatePem,
    readiness: { store: () => store.reset.ping(), runtime: () => runtime.list(), runtimeKind: runtime.kind, leader: () => leading },
    reset: async () => {
      const result = await resetService.reset();
      logger.info(result, "reset: every resource and node removed");
      return result;
    },
    ...(settableClock && {
      testClock: {
        now: () => settableClock.now(),
        set: (at: Date) => {
          settableClock.set(at);
          return crew?.automaticBackups.pass() ?? Promise.resolve();
        },
      },
    }),
    logger,
  });
  await app.listen({ host: config.host, port: config.port });
  logger.info({ signedCalls: config.credentials.size > 0, accessKeys: config.credentials.size }, config.credentials.size > 0 ? "API calls must be SigV4-signed" : "API open: no credentials configured");
  await eventLog.start();
  // Every instance that may lead serves the endpoints, leader or not: they follow the store. The
  // leader's topology callbacks keep them in step at once; the periodic sync is a safety net there,
  // and the way an instance that does not lead sees the leader's changes (within a lease poll).
  const followingMs = onPostgresql ? config.leasePollMs : config.reconcileIntervalMs * 6;
  const endpointResync = setInterval(() => void endpoints.sync(), followingMs);
  endpointResync.unref();
  if (config.controllers) await endpoints.sync();
  else clearInterval(endpointResync);
  // Each leadership change runs after the one before has finished: a term's controllers have
  // stopped before the next term's start.
  let transition = Promise.resolve();
  const inTurn = (step: () => void | Promise<void>) => (transition = transition.catch(() => undefined).then(step));
  const lead = (epoch?: number) =>
    inTurn(() => {
      // A term that ended while an earlier stop was still under way never starts.
      if (closing || (lease && (!lease.leading || lease.epoch !== epoch))) return;
      crew = makeCrew(epoch);
      leading = true;
      crew.reconciler.start();
      crew.snapshotter.start();
      // On the test clock, passes run only when a test sets it: an interval pass at the real time of
      // day (a restart forgets the clock set) could otherwise fall into a test group's window.
      if (!settableClock) crew.automaticBackups.start();
      crew.parameterApplier.start();
      crew.monitor.start();
    });
  // The endpoints stay: they follow the store whoever leads. No more kicks from now on, before the
  // controllers have stopped.
  const stopLeading = () => {
    leading = false;
    return inTurn(async () => {
      leading = false;
      const ending = crew;
      if (!ending) return;
      ending.monitor.stop();
      await Promise.all([ending.reconciler.stop(), ending.automaticBackups.stop(), ending.snapshotter.stop(), ending.parameterApplier.stop()]);
      if (crew === ending) crew = undefined;
    });
  };
  let lease: LeaderLease | undefined;
  let closing: Promise<void> | undefined;
  if (!config.controllers) {
    logger.info("ECL_CONTROLLERS=false: serving the API only; the other instances on this database serve the endpoints, and their leader runs the controllers");
  } else if (onPostgresql) {
    lease = new LeaderLease(config.databaseUrl, {
      pollMs: config.leasePollMs,
      onGained: (epoch) => {
        logger.info({ leader: true, epoch }, "leader lease taken: this instance runs the controllers");
        void lead(epoch).catch((error) => logger.error({ err: error }, "starting the controllers failed"));
      },
      onLost: (reason) => {
        // Stopped before PostgreSQL ends the session and another instance can take the lease.
        logger.error({ leader: false, reason }, "leader lease lost: controllers stopped; serving the API and the endpoints, and trying the lease again");
        void stopLeading();
      },
    });
    lease.start();
  } else {
    await lead();
  }
  const listening = app.server.address();
  const apiPort = typeof listening === "object" && listening ? listening.port : config.port;
  const apiHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  logger.info(bannerOf(config, `http://${apiHost.includes(":") ? `[${apiHost}]` : apiHost}:${apiPort}`, runtime.kind), "elasticache-local is ready");

  const stop = () =>
    (closing ??= (async () => {
      logger.info("shutting down");
      await app.close();
      if (config.removeNodesOnExit) {
        logger.info({ ephemeral: config.ephemeral }, "removing every resource and node before exit (ECL_REMOVE_NODES_ON_EXIT / ECL_EPHEMERAL)");
        await resetService.reset(60_000).catch((error) => logger.error({ err: error }, "could not remove everything before exit"));
      }
      clearInterval(endpointResync);
      await stopLeading();
      await eventLog.stop();
      await endpoints.close();
      // Released once this instance no longer acts, so another takes over without waiting for a timeout.
      await lease?.stop();
      await redis.close();
      redisProbe.close();
      memcachedProbe.close();
      await runtime.close();
      await store.close();
      lock.release();
      if (config.ephemeral) rmSync(config.dataDir, { recursive: true, force: true });
    })());
  return { app, store, stop, logger, ca };
}

/** Ports in the kernel's ephemeral range can be taken by any outgoing connection at any time. */
function warnOnEphemeralOverlap([from, to]: [number, number], logger: Logger): void {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (from <= high && to >= low) {
      logger.warn({ portRange: `${from}-${to}`, ephemeral: `${low}-${high}` }, "ECL_PORT_RANGE overlaps the kernel's ephemeral port range; nodes may have to move ports");
    }
  } catch {
    // not Linux: nothing to check
  }
}

/** What a user can fix, said in one line without a stack trace; undefined for anything else. */
function startProblem(error: unknown, config: Config): string | undefined {
  if (error instanceof DataDirInUse || error instanceof CertificateAuthorityError || error instanceof DockerUnavailable) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") return `port ${config.port} on ${config.host} is already in use by another program: stop it, or set ECL_PORT to a free port`;
  if (code === "EADDRNOTAVAIL") return `ECL_HOST=${config.host} is not an address of this machine`;
  if (code === "EACCES") return `port ${config.port} on ${config.host} needs privileges this user lacks: set ECL_PORT above 1023`;
  return undefined;
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
    const problem = startProblem(error, config);
    if (problem !== undefined) {
      console.error(`elasticache-local: ${problem}`);
      process.exit(2);
    }
    throw error;
  }
  // A promise some path forgot to handle is a bug to log, not a reason to drop every endpoint.
  process.on("unhandledRejection", (reason) => server.logger.error({ err: reason }, "unhandled promise rejection; still running"));
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
