/**
 * The one place that reads the environment. Every key is documented here and in the README's
 * configuration table; values are validated once at start-up.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { imageOverridesFromEnv, type ImageOverrides } from "../runtime/images.ts";
import { ZONE_LABEL_RE } from "../runtime/swarm/placement.ts";
import { credentialsFromEnv, CredentialsError, isLoopback } from "./credentials.ts";

export type RuntimeChoice = "auto" | "docker" | "swarm" | "process";

export interface Config {
  /** ECL_HOST: address the API listens on. */
  host: string;
  /** ECL_PORT: API port (4599; LocalStack owns 4566). */
  port: number;
  /** ECL_DATA_DIR: database, process-runtime node directories, logs. */
  dataDir: string;
  /** ECL_S3_DIR: the folder standing in for S3 (snapshot export, SnapshotArns): one subfolder per bucket. Default <dataDir>/s3. */
  s3Dir: string;
  /** DATABASE_URL: an SQLite file: URL (default file:<dataDir>/elasticache-local.db) or a postgresql:// URL. */
  databaseUrl: string;
  /** AWS_REGION / AWS_DEFAULT_REGION: region used in ARNs and availability zones. */
  region: string;
  /** ECL_ACCOUNT_ID: account id used in ARNs. */
  accountId: string;
  /** ECL_LOG_LEVEL: pino level. */
  logLevel: string;
  /** ECL_LOG_FORMAT: auto (readable lines when stdout is a terminal, JSON otherwise), pretty or json. */
  logFormat: "auto" | "pretty" | "json";
  /** ECL_BODY_LIMIT: largest accepted request body in bytes. */
  bodyLimit: number;
  /** ECL_RUNTIME: auto (Docker when its API answers, else processes), docker, swarm (services on a swarm manager) or process. */
  runtime: RuntimeChoice;
  /** ECL_NODE_HOST: address nodes and endpoints bind to / publish on. */
  nodeHost: string;
  /** ECL_ADVERTISED_HOST: host name put in endpoints returned to clients. */
  advertisedHost: string;
  /**
   * ECL_ENDPOINT_HOST: address this instance's endpoint proxies listen on and the host name its API
   * gives for them; several instances on one host (PostgreSQL) each need their own, since each
   * serves the same endpoint ports. Unset: the proxies listen on ECL_NODE_HOST, given as ECL_ADVERTISED_HOST.
   */
  endpointHost?: string;
  /** ECL_PORT_RANGE: ports handed to nodes and endpoints, "from-to"; below Linux's ephemeral range (32768+). */
  portRange: [number, number];
  /** ECL_REDIS_SERVER / ECL_MEMCACHED: binaries for the process runtime. */
  redisServerPath: string;
  memcachedPath: string;
  /** ECL_VALKEY_SERVER: Valkey binary; Valkey is offered only when it exists. */
  valkeyServerPath: string;
  /** ECL_SWARM_ZONE_LABEL: key of the swarm node label naming the availability zone a swarm node stands for (default elasticache-local.zone). */
  swarmZoneLabel?: string;
  /** DOCKER_SOCKET: the Docker API socket. */
  dockerSocket: string;
  /** ECL_IN_DOCKER: the control plane itself runs in a container on the nodes' networks. */
  inDocker: boolean;
  /**
   * ECL_IMAGES=local (the images scripts/build-images.sh builds), ECL_IMAGE_REDIS, ECL_IMAGE_VALKEY,
   * ECL_IMAGE_MEMCACHED ("image" or "7.0=image,6.2=image"): overrides of the official images.
   */
  images: ImageOverrides;
  /** Whether any of those is set; if not, the Docker runtime prefers the local images when only they are present. */
  imagesChosen: boolean;
  /** ECL_INSTANCE: prefix of container and network names, so several control planes can share one Docker engine. */
  instance: string;
  /** ECL_RECONCILE_INTERVAL_MS: fixed resync period of the reconciler. */
  reconcileIntervalMs: number;
  /** ECL_LEASE_POLL_MS (PostgreSQL): how often a candidate tries the leader lease and the leader checks its lock connection. */
  leasePollMs: number;
  /** ECL_HEALTH_INTERVAL_MS, ECL_HEALTH_TIMEOUT_MS, ECL_HEALTH_FAILURES: health monitor tuning. */
  healthIntervalMs: number;
  /** ECL_METRICS_INTERVAL_MS: how often each node is asked for its statistics (INFO, stats); 0 turns node metrics off. */
  metricsIntervalMs: number;
  healthTimeoutMs: number;
  healthFailureThreshold: number;
  /**
   * ECL_CREDENTIALS (`KEY:SECRET,…`) and ECL_CREDENTIALS_FILE (a pair a line): secret by access
   * key. When any are given, every API call must be SigV4-signed with one of them; when none, the
   * API is open (and ECL_HOST must be a loopback address unless allowUnauthenticated).
   */
  credentials: ReadonlyMap<string, string>;
  /** ECL_ALLOW_UNAUTHENTICATED=true: serve an open API on a non-loopback ECL_HOST. */
  allowUnauthenticated: boolean;
  /**
   * ECL_EPHEMERAL=true: a data directory of its own under the system's temporary directory (unless
   * ECL_DATA_DIR names one), every resource and node removed at exit and the directory with them.
   */
  ephemeral: boolean;
  /** ECL_REMOVE_NODES_ON_EXIT=true (implied by ECL_EPHEMERAL): remove every resource and node when the control plane exits. */
  removeNodesOnExit: boolean;
  /**
   * ECL_CONTROLLERS=false: serve the API only; no reconciler, health monitor, failover, snapshot,
   * parameter or backup controller, and no endpoint proxies: this instance never leads. On a shared
   * PostgreSQL database the other instances take turns holding the leader lease (store/leader-lease.ts).
   */
  controllers: boolean;
  /** ECL_SUBNET_IDS: "any" (any `subnet-` / `sg-` id, the default: there is no VPC behind them) or "strict" (AWS's format). */
  subnetIds: "any" | "strict";
  /** ECL_TEST_CLOCK=true (tests only; off by default): the automatic-backup clock can be set through POST /_elasticache-local/clock. */
  testClock: boolean;
  /** ECL_BACKUP_INTERVAL_MS: how often the automatic-backup controller looks at the clock (default 60 s; windows are at least 60 minutes). */
  backupIntervalMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${key} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw as T;
}

function range(env: Env, key: string, fallback: [number, number]): [number, number] {
  const raw = env[key];
  if (!raw) return fallback;
  const match = /^(\d+)-(\d+)$/.exec(raw);
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from < 1024 || to > 65535 || from > to) {
    throw new ConfigError(`${key} must look like 30000-39999 within 1024-65535, got "${raw}"`);
  }
  return [from, to];
}

function instanceName(raw: string | undefined): string {
  const name = raw || "ecl";
  if (!/^[a-z][a-z0-9]{0,15}$/.test(name)) throw new ConfigError(`ECL_INSTANCE must be 1-16 lowercase letters and digits, got "${name}"`);
  return name;
}

function swarmZoneLabel(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!ZONE_LABEL_RE.test(raw)) throw new ConfigError(`ECL_SWARM_ZONE_LABEL must be a label key of letters, digits, ".", "_" and "-", got "${raw}"`);
  return raw;
}

function bool(env: Env, key: string): boolean {
  return oneOf(env, key, ["true", "false"] as const, "false") === "true";
}

function apiCredentials(env: Env): Map<string, string> {
  try {
    return credentialsFromEnv(env);
  } catch (error) {
    if (error instanceof CredentialsError) throw new ConfigError(error.message);
    throw error;
  }
}

export function loadConfig(env: Env = process.env): Config {
  const ephemeral = bool(env, "ECL_EPHEMERAL");
  const dataDir = path.resolve(
    env.ECL_DATA_DIR || (ephemeral ? path.join(os.tmpdir(), `elasticache-local-${randomBytes(6).toString("hex")}`) : "data"),
  );
  const nodeHost = env.ECL_NODE_HOST || "127.0.0.1";
  const host = env.ECL_HOST || "127.0.0.1";
  const credentials = apiCredentials(env);
  const allowUnauthenticated = bool(env, "ECL_ALLOW_UNAUTHENTICATED");
  if (credentials.size === 0 && !allowUnauthenticated && !isLoopback(host)) {
    throw new ConfigError(
      `ECL_HOST=${host} is not a loopback address and no API credentials are configured: set ECL_CREDENTIALS or ECL_CREDENTIALS_FILE, or ECL_ALLOW_UNAUTHENTICATED=true to serve an open API there`,
    );
  }
  return {
    host,
    port: int(env, "ECL_PORT", 4599, 0, 65535),
    dataDir,
    s3Dir: path.resolve(env.ECL_S3_DIR || path.join(dataDir, "s3")),
    databaseUrl: env.DATABASE_URL || `file:${path.join(dataDir, "elasticache-local.db")}`,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    accountId: env.ECL_ACCOUNT_ID || "000000000000",
    logLevel: env.ECL_LOG_LEVEL || "info",
    logFormat: oneOf(env, "ECL_LOG_FORMAT", ["auto", "pretty", "json"] as const, "auto"),
    bodyLimit: int(env, "ECL_BODY_LIMIT", 1024 * 1024, 1024, 64 * 1024 * 1024),
    runtime: oneOf(env, "ECL_RUNTIME", ["auto", "docker", "swarm", "process"] as const, "auto"),
    nodeHost,
    advertisedHost: env.ECL_ADVERTISED_HOST || nodeHost,
    ...(env.ECL_ENDPOINT_HOST && { endpointHost: env.ECL_ENDPOINT_HOST }),
    portRange: range(env, "ECL_PORT_RANGE", [20000, 29999]),
    redisServerPath: env.ECL_REDIS_SERVER || "redis-server",
    memcachedPath: env.ECL_MEMCACHED || "memcached",
    valkeyServerPath: env.ECL_VALKEY_SERVER || "valkey-server",
    swarmZoneLabel: swarmZoneLabel(env.ECL_SWARM_ZONE_LABEL),
    dockerSocket: env.DOCKER_SOCKET || "/var/run/docker.sock",
    inDocker: env.ECL_IN_DOCKER === "true",
    images: imageOverridesFromEnv(env),
    imagesChosen: Boolean(env.ECL_IMAGES || env.ECL_IMAGE_REDIS || env.ECL_IMAGE_VALKEY || env.ECL_IMAGE_MEMCACHED),
    instance: instanceName(env.ECL_INSTANCE),
    reconcileIntervalMs: int(env, "ECL_RECONCILE_INTERVAL_MS", 10_000, 50, 3_600_000),
    leasePollMs: int(env, "ECL_LEASE_POLL_MS", 1000, 50, 60_000),
    healthIntervalMs: int(env, "ECL_HEALTH_INTERVAL_MS", 2000, 20, 60_000),
    metricsIntervalMs: int(env, "ECL_METRICS_INTERVAL_MS", 10_000, 0, 3_600_000),
    healthTimeoutMs: int(env, "ECL_HEALTH_TIMEOUT_MS", 500, 10, 60_000),
    healthFailureThreshold: int(env, "ECL_HEALTH_FAILURES", 3, 1, 100),
    credentials,
    allowUnauthenticated,
    ephemeral,
    removeNodesOnExit: ephemeral || bool(env, "ECL_REMOVE_NODES_ON_EXIT"),
    controllers: oneOf(env, "ECL_CONTROLLERS", ["true", "false"] as const, "true") === "true",
    subnetIds: oneOf(env, "ECL_SUBNET_IDS", ["any", "strict"] as const, "any"),
    testClock: bool(env, "ECL_TEST_CLOCK"),
    backupIntervalMs: int(env, "ECL_BACKUP_INTERVAL_MS", 60_000, 100, 3_600_000),
  };
}
