/**
 * Helpers for the "real nodes" integration tests (test/nodes/): a control plane started per
 * runtime, the REST API through fetch (as curl would) and the real AWS SDK, real clients for the
 * nodes (ioredis, a raw memcached text-protocol socket), and what the runtime really runs
 * (pid files and /proc for processes, `docker ps` by label for containers). No mocks.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import * as aws from "@aws-sdk/client-elasticache";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { removeDir, startServer, type RunningServer, type StartOptions } from "./server.ts";
import { removeSwarmObjects } from "./swarm.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

/** "swarm" needs an active swarm: its tests make one (helpers/swarm.ts: useSwarm). */
export type RuntimeKind = "process" | "docker" | "swarm";
export const onCI = process.env.CI === "true";
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/* ------------------------------------------------------------------------------------------ */
/* Docker availability                                                                          */
/* ------------------------------------------------------------------------------------------ */

let dockerCheck: Promise<string | undefined> | undefined;

/** Undefined when the Docker engine answers and the local images exist (built when missing); else why not. */
export function dockerProblem(): Promise<string | undefined> {
  dockerCheck ??= (async () => {
    try {
      await run("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 10_000 });
    } catch (error) {
      return `the Docker engine does not answer (${(error as Error).message.split("\n")[0]})`;
    }
    const missing = async () => {
      for (const image of ["elasticache-local/redis:7.0", "elasticache-local/memcached:1.6"]) {
        try {
          await run("docker", ["image", "inspect", image], { timeout: 10_000 });
        } catch {
          return image;
        }
      }
      return undefined;
    };
    if (await missing()) {
      try {
        await run("bash", ["scripts/build-images.sh"], { cwd: root, timeout: 120_000 });
      } catch (error) {
        return `the local images could not be built: ${(error as Error).message}`;
      }
      const still = await missing();
      if (still) return `image ${still} is missing after scripts/build-images.sh`;
    }
    return undefined;
  })();
  return dockerCheck;
}

/**
 * The runtimes a node test runs with: always "process"; "docker" when Docker works, and on CI
 * always (there a missing Docker must fail the tests, not skip them: see requireRuntime).
 */
export async function runtimesUnderTest(): Promise<RuntimeKind[]> {
  const problem = await dockerProblem();
  if (problem && !onCI) {
    console.warn(`Skipping the Docker runtime in these tests: ${problem}. On CI (CI=true) this fails instead.`);
    return ["process"];
  }
  return ["process", "docker"];
}

/** Throws (fails the suite) when the runtime cannot run here. */
export async function requireRuntime(runtime: RuntimeKind): Promise<void> {
  if (runtime === "process") return;
  const problem = await dockerProblem();
  if (problem) throw new Error(`Docker runtime tests cannot run: ${problem}`);
}

/* ------------------------------------------------------------------------------------------ */
/* The control plane under test                                                                 */
/* ------------------------------------------------------------------------------------------ */

let rangeSlot = 0;

/**
 * A port range of `size` ports unlikely to be used by anything else: 21000-29999, below the
 * kernel's ephemeral ports (32768-60999, where client sockets and "listen on 0" land) and away
 * from the default 30000-39999; a random window per call.
 */
export function portRange(size = 40): [number, number] {
  const slots = Math.floor(9_000 / 60);
  const slot = (Math.floor(Math.random() * slots) + rangeSlot++ * 7) % slots;
  const from = 21_000 + slot * 60;
  return [from, from + size - 1];
}

export interface NodeServerOptions {
  /** Short lowercase tag naming the Docker instance (prefix of containers and networks). */
  tag: string;
  portRange?: [number, number];
  env?: Record<string, string>;
}

export interface NodeServer {
  runtime: RuntimeKind;
  /** ECL_INSTANCE: containers, volumes and networks are labelled elasticache-local.prefix=`<instance>-` (names also carry the installation). */
  instance: string;
  env: Record<string, string>;
  server: RunningServer;
  api: Api;
  dataDir: string;
  /** SIGKILL the control plane (nodes keep running) and start it again on the same data dir and port. */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** Stops the control plane and removes every node, container, network and file it made. */
  destroy(): Promise<void>;
}

export async function startNodeServer(runtime: RuntimeKind, options: NodeServerOptions): Promise<NodeServer> {
  await requireRuntime(runtime);
  const suffix = Math.random().toString(36).slice(2, 6).replace(/[^a-z0-9]/g, "x");
  const instance = `t${options.tag}${suffix}`.toLowerCase().slice(0, 16);
  const [from, to] = options.portRange ?? portRange();
  const env: Record<string, string> = {
    ECL_RUNTIME: runtime,
    ECL_IMAGES: "local",
    ECL_INSTANCE: instance,
    ECL_PORT_RANGE: `${from}-${to}`,
    ECL_RECONCILE_INTERVAL_MS: "500",
    ...options.env,
  };
  let server = await startServer({ env });
  const handle: NodeServer = {
    runtime,
    instance,
    env,
    server,
    api: new Api(server.url),
    dataDir: server.dataDir,
    async restart({ kill = true } = {}) {
      await (kill ? server.kill() : server.stop());
      server = await startServer({ env, dataDir: handle.dataDir, port: server.port });
      handle.server = server;
      handle.api.close();
      handle.api.url = server.url;
    },
    async destroy() {
      handle.api.close();
      await server.stop().catch(() => undefined);
      await removeEverything(handle);
    },
  };
  return handle;
}

/** Kills every node process of a data dir and removes the instance's containers and networks, then the data dir. */
export async function removeEverything(target: { runtime: RuntimeKind; instance: string; dataDir: string }): Promise<void> {
  for (const pid of nodeProcessesUnder(target.dataDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  if (target.runtime === "swarm") await removeSwarmObjects(`${target.instance}-`);
  if (target.runtime !== "process") {
    const ids = (await dockerLines(["ps", "-aq", "--filter", `label=elasticache-local.prefix=${target.instance}-`])).filter(Boolean);
    if (ids.length > 0) await run("docker", ["rm", "-f", "-v", ...ids]).catch(() => undefined);
    const volumes = await dockerLines(["volume", "ls", "-q", "--filter", `label=elasticache-local.prefix=${target.instance}-`]);
    if (volumes.length > 0) await run("docker", ["volume", "rm", ...volumes]).catch(() => undefined);
    const networks = await dockerLines(["network", "ls", "-q", "--filter", `label=elasticache-local.prefix=${target.instance}-`]);
    if (networks.length > 0) await run("docker", ["network", "rm", ...networks]).catch(() => undefined);
  }
  removeDir(target.dataDir);
}

/* ------------------------------------------------------------------------------------------ */
/* The API, as curl (REST JSON) and as the real AWS SDK (Query protocol)                       */
/* ------------------------------------------------------------------------------------------ */

export interface RestResponse {
  status: number;
  body: any;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export const GROUPS = "/v1/replication-groups";
export const CLUSTERS = "/v1/cache-clusters";

export class Api {
  private client?: aws.ElastiCacheClient;

  constructor(public url: string) {}

  /** One REST request; never throws for an HTTP error status. */
  async rest(method: string, pathAndQuery: string, body?: unknown): Promise<RestResponse> {
    const response = await fetch(this.url + pathAndQuery, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed };
  }

  /** A REST request that must succeed (2xx); returns the body. */
  async ok(method: string, pathAndQuery: string, body?: unknown): Promise<any> {
    const response = await this.rest(method, pathAndQuery, body);
    if (response.status < 200 || response.status >= 300) {
      throw new ApiError(response.body?.Error?.Code ?? "?", response.status, `${method} ${pathAndQuery}: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  /** The real @aws-sdk/client-elasticache against the Query endpoint. */
  get sdk(): aws.ElastiCacheClient {
    this.client ??= new aws.ElastiCacheClient({
      endpoint: this.url,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    return this.client;
  }

  /** Sends an SDK command by operation name; errors become ApiError with the wire code and HTTP status. */
  async send(operation: string, input: Record<string, unknown>): Promise<any> {
    const Command = (aws as unknown as Record<string, new (input: unknown) => any>)[`${operation}Command`];
    if (!Command) throw new Error(`no SDK command ${operation}`);
    try {
      return await this.sdk.send(new Command(input));
    } catch (error: any) {
      if (error?.$metadata) throw new ApiError(error.Code ?? error.name, error.$metadata.httpStatusCode, error.message);
      throw error;
    }
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }

  async group(id: string): Promise<any> {
    return (await this.ok("GET", `${GROUPS}/${id}`)).ReplicationGroup;
  }

  async cluster(id: string): Promise<any> {
    return (await this.ok("GET", `${CLUSTERS}/${id}?ShowCacheNodeInfo=true`)).CacheCluster;
  }

  async groupExists(id: string): Promise<boolean> {
    const response = await this.rest("GET", `${GROUPS}/${id}`);
    if (response.status === 404) return false;
    if (response.status !== 200) throw new Error(JSON.stringify(response.body));
    return true;
  }

  /** Polls until the group has `status`; fails fast on create-failed. */
  async waitGroup(id: string, status = "available", timeoutMs = 60_000): Promise<any> {
    return eventually(
      async () => {
        const group = await this.group(id);
        if (group.Status === "create-failed" && status !== "create-failed") {
          const events = await this.events("replication-group", id).catch(() => []);
          throw new Fatal(`group ${id} is create-failed: ${events.map((event) => event.Message).join(" | ")}`);
        }
        return group.Status === status ? group : undefined;
      },
      timeoutMs,
      `replication group ${id} ${status}`,
    );
  }

  async waitCluster(id: string, status = "available", timeoutMs = 60_000): Promise<any> {
    return eventually(
      async () => {
        const cluster = await this.cluster(id);
        if (cluster.CacheClusterStatus === "create-failed" && status !== "create-failed") {
          const events = await this.events("cache-cluster", id).catch(() => []);
          throw new Fatal(`cluster ${id} is create-failed: ${events.map((event) => event.Message).join(" | ")}`);
        }
        return cluster.CacheClusterStatus === status ? cluster : undefined;
      },
      timeoutMs,
      `cache cluster ${id} ${status}`,
    );
  }

  /** DescribeEvents of one source through the REST API, oldest first. */
  async events(sourceType: string, sourceIdentifier?: string): Promise<{ SourceIdentifier: string; SourceType: string; Message: string; Date: string }[]> {
    const query = new URLSearchParams({ SourceType: sourceType, Duration: "60" });
    if (sourceIdentifier) query.set("SourceIdentifier", sourceIdentifier);
    return (await this.ok("GET", `/v1/events?${query}`)).Events;
  }
}

/** An error `eventually` must not retry. */
export class Fatal extends Error {}

/** Polls `fn` until it returns a truthy value; throws after `timeoutMs` with the last error. */
export async function eventually<T>(fn: () => Promise<T | undefined | false | null>, timeoutMs = 10_000, what = "condition", everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      if (error instanceof Fatal) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await sleep(everyMs);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Shapes                                                                                       */
/* ------------------------------------------------------------------------------------------ */

export interface Endpoint {
  Address: string;
  Port: number;
}

/** Endpoints of a cluster-mode-disabled group by member id, and its primary / reader endpoints. */
export function endpointsOf(group: any): { primary: Endpoint; reader: Endpoint; members: Record<string, { endpoint: Endpoint; role: string }> } {
  const nodeGroup = group.NodeGroups[0];
  const members: Record<string, { endpoint: Endpoint; role: string }> = {};
  for (const member of nodeGroup.NodeGroupMembers) members[member.CacheClusterId] = { endpoint: member.ReadEndpoint, role: member.CurrentRole };
  return { primary: nodeGroup.PrimaryEndpoint, reader: nodeGroup.ReaderEndpoint, members };
}

export const memberIds = (group: string, count: number) => Array.from({ length: count }, (_, i) => `${group}-${String(i + 1).padStart(3, "0")}`);

/* ------------------------------------------------------------------------------------------ */
/* Redis                                                                                        */
/* ------------------------------------------------------------------------------------------ */

const redisClients = new Set<Redis>();

export function redis(endpoint: Endpoint): Redis {
  const client = new Redis({
    host: endpoint.Address,
    port: endpoint.Port,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: true,
    connectTimeout: 2_000,
    lazyConnect: false,
  });
  client.on("error", () => {});
  redisClients.add(client);
  return client;
}

/** One command on a fresh connection (nodes restart and move under the tests, so no pooling). */
export async function redisCommand(endpoint: Endpoint, command: string, ...args: (string | number)[]): Promise<any> {
  const client = redis(endpoint);
  try {
    return await client.call(command, ...args);
  } finally {
    redisClients.delete(client);
    client.disconnect();
  }
}

export function closeRedisClients(): void {
  for (const client of redisClients) client.disconnect();
  redisClients.clear();
}

/** INFO <section> as key/value pairs. */
export async function redisInfo(endpoint: Endpoint, section = "replication"): Promise<Record<string, string>> {
  const text = String(await redisCommand(endpoint, "INFO", section));
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** Waits until GET key on the endpoint returns value (replication is asynchronous). */
export async function waitForValue(endpoint: Endpoint, key: string, value: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => (await redisCommand(endpoint, "GET", key)) === value, timeoutMs, `${key}=${value} on port ${endpoint.Port}`, 20);
}

/** The replica's INFO replication once its link to the master is up. */
export async function waitForLinkUp(endpoint: Endpoint, timeoutMs = 10_000): Promise<Record<string, string>> {
  return eventually(
    async () => {
      const info = await redisInfo(endpoint);
      return info.role === "slave" && info.master_link_status === "up" ? info : undefined;
    },
    timeoutMs,
    `master_link_status:up on port ${endpoint.Port}`,
    20,
  );
}

/* ------------------------------------------------------------------------------------------ */
/* Memcached, over a raw socket with the text protocol                                          */
/* ------------------------------------------------------------------------------------------ */

/** Sends `request` and resolves with the reply once `done(reply)` is true. */
export function memcachedRaw(endpoint: Endpoint, request: string, done: (reply: string) => boolean, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: endpoint.Address, port: endpoint.Port });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`memcached ${endpoint.Port}: no complete reply to ${JSON.stringify(request.slice(0, 40))} (got ${JSON.stringify(reply)})`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(request));
    socket.on("data", (chunk: string) => {
      reply += chunk;
      if (done(reply)) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export async function memcachedSet(endpoint: Endpoint, key: string, value: string): Promise<void> {
  const reply = await memcachedRaw(endpoint, `set ${key} 0 0 ${Buffer.byteLength(value)}\r\n${value}\r\n`, (text) => text.endsWith("\r\n"));
  if (reply !== "STORED\r\n") throw new Error(`memcached set on ${endpoint.Port}: ${JSON.stringify(reply)}`);
}

export async function memcachedGet(endpoint: Endpoint, key: string): Promise<string | undefined> {
  const reply = await memcachedRaw(endpoint, `get ${key}\r\n`, (text) => text.endsWith("END\r\n"));
  const match = /^VALUE \S+ \d+ (\d+)\r\n([\s\S]*)\r\nEND\r\n$/.exec(reply);
  if (reply === "END\r\n") return undefined;
  if (!match) throw new Error(`memcached get on ${endpoint.Port}: ${JSON.stringify(reply)}`);
  return match[2];
}

export async function memcachedStats(endpoint: Endpoint): Promise<Record<string, string>> {
  const reply = await memcachedRaw(endpoint, "stats\r\n", (text) => text.endsWith("END\r\n"));
  const out: Record<string, string> = {};
  for (const line of reply.split("\r\n")) {
    const [tag, key, value] = line.split(" ");
    if (tag === "STAT") out[key] = value;
  }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* What really runs                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** Alive and not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * Every live engine process whose working directory is a node directory under `<dataDir>/nodes/`
 * (pid file or not). Children an engine forks for its own work (Redis' "redis-rdb-to-slaves" for
 * a replica's sync, BGSAVE) share its directory and are not nodes: left out.
 */
export function nodeProcessesUnder(dataDir: string): number[] {
  const prefix = path.join(path.resolve(dataDir), "nodes") + "/";
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if ((cwd + "/").startsWith(prefix) && pidAlive(pid)) pids.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  const all = new Set(pids);
  return pids.filter((pid) => !all.has(parentOf(pid) ?? -1)).sort((a, b) => a - b);
}

/** Node directory name of a live process, for processes found by nodeProcessesUnder (they work in `<node>/data`). */
export function nodeDirOf(pid: number): string | undefined {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return path.basename(path.basename(cwd) === "data" ? path.dirname(cwd) : cwd);
  } catch {
    return undefined;
  }
}

/** Pid recorded in `<dataDir>/nodes/<name>/pid`, if any. */
export function pidFileOf(dataDir: string, name: string): number | undefined {
  const file = path.join(dataDir, "nodes", name, "pid");
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
  return Number.isInteger(pid) ? pid : undefined;
}

export function nodeDirs(dataDir: string): string[] {
  const dir = path.join(dataDir, "nodes");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

async function dockerLines(args: string[]): Promise<string[]> {
  const { stdout } = await run("docker", args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout.split("\n").map((line) => line.trim()).filter(Boolean);
}

export interface ContainerInfo {
  id: string;
  name: string;
  node: string;
  state: string;
  labels: Record<string, string>;
}

/** `docker ps -a` of every container this instance manages, by label. */
export async function containersOf(instance: string): Promise<ContainerInfo[]> {
  const lines = await dockerLines([
    "ps",
    "-a",
    "--no-trunc",
    "--filter",
    "label=elasticache-local.managed=true",
    "--filter",
    `label=elasticache-local.prefix=${instance}-`,
    "--format",
    "{{json .}}",
  ]);
  return lines
    .map((line) => JSON.parse(line) as { ID: string; Names: string; State: string; Labels: string })
    .map((row) => {
      const labels = Object.fromEntries(
        row.Labels.split(",").map((pair) => {
          const at = pair.indexOf("=");
          return [pair.slice(0, at), pair.slice(at + 1)];
        }),
      );
      return { id: row.ID, name: row.Names, node: labels["elasticache-local.node"], state: row.State, labels };
    })
    .sort((a, b) => a.node.localeCompare(b.node));
}

/** The subnet groups that have a Docker network of this instance (from the networks' labels). */
export async function dockerNetworks(instance: string): Promise<string[]> {
  return dockerLines(["network", "ls", "--filter", `label=elasticache-local.prefix=${instance}-`, "--format", '{{.Label "elasticache-local.network"}}']);
}

/** The installation id a control plane stored in its database (what its containers are labelled with). */
export function installationOf(target: { server: { databaseFile: string } }): string {
  const db = new Database(target.server.databaseFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT id FROM "Installation" ORDER BY createdAt, id LIMIT 1').get() as { id: string }).id;
  } finally {
    db.close();
  }
}

/** The Docker name of a node's container: `<instance>-<installation, first 8 letters and digits>-<node>`. */
export function containerName(target: { instance: string; server: { databaseFile: string } }, node: string): string {
  return `${target.instance}-${installationOf(target).replace(/[^a-zA-Z0-9]/g, "").slice(0, 8).toLowerCase()}-${node}`;
}

/**
 * Container id and start time of a node's container (found by its labels; with `installation`,
 * that installation's only), or undefined when there is none.
 */
export async function containerIdentity(instance: string, node: string, installation?: string): Promise<{ id: string; startedAt: string; running: boolean } | undefined> {
  try {
    const filters = ["--filter", `label=elasticache-local.prefix=${instance}-`, "--filter", `label=elasticache-local.node=${node}`];
    if (installation) filters.push("--filter", `label=elasticache-local.installation=${installation}`);
    const [container] = await dockerLines(["ps", "-aq", ...filters]);
    if (!container) return undefined;
    const [line] = await dockerLines(["inspect", "--format", "{{.Id}} {{.State.StartedAt}} {{.State.Running}}", container]);
    const [id, startedAt, running] = line.split(" ");
    return { id, startedAt, running: running === "true" };
  } catch {
    return undefined;
  }
}

/**
 * The runtime's identity of a node: "pid:<n>" (process) or "container:<id>@<start time>" (docker);
 * undefined when the node does not run.
 */
export async function nodeIdentity(target: NodeServer, node: string): Promise<string | undefined> {
  if (target.runtime === "process") {
    const pid = pidFileOf(target.dataDir, node);
    return pid !== undefined && pidAlive(pid) ? `pid:${pid}` : undefined;
  }
  const info = await containerIdentity(target.instance, node, installationOf(target));
  return info?.running ? `container:${info.id}@${info.startedAt}` : undefined;
}

/** Names of the nodes that really run (process: live processes under the data dir; docker: containers of the instance). */
export async function runningNodes(target: NodeServer): Promise<string[]> {
  if (target.runtime === "process") {
    return nodeProcessesUnder(target.dataDir)
      .map((pid) => nodeDirOf(pid) ?? `?${pid}`)
      .sort();
  }
  return (await containersOf(target.instance)).map((container) => container.node);
}

/** Whether a node is gone from the runtime: process dead and directory removed, or no container. */
export async function nodeGone(target: NodeServer, node: string, formerIdentity?: string): Promise<boolean> {
  if (target.runtime === "process") {
    const pid = formerIdentity?.startsWith("pid:") ? Number(formerIdentity.slice(4)) : undefined;
    return (pid === undefined || !pidAlive(pid)) && !existsSync(path.join(target.dataDir, "nodes", node));
  }
  return (await containerIdentity(target.instance, node)) === undefined;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

export type { RunningServer, StartOptions };
