/**
 * Helpers for the "real nodes" integration tests (test/nodes/): a control plane started per
 * runtime, the REST API through fetch (as curl would) and the real AWS SDK, real clients for the
 * nodes (ioredis, a raw memcached text-protocol socket), and what the runtime really runs
 * (pid files and /proc for processes, `docker ps` by label for containers). No mocks.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { isPortFree } from "../../src/runtime/ports.ts";
import { Api } from "./clients.ts";
import { eventually } from "./eventually.ts";
import { dockerLines, nodeProcessesUnder, pidAlive, removeEverything } from "./cleanup.ts";
import { startServer, type RunningServer, type StartOptions } from "./server.ts";
import { removeSwarmObjects } from "./swarm.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

/** "swarm" needs an active swarm: its tests make one (helpers/swarm.ts: useSwarm). */
export type RuntimeKind = "process" | "docker" | "swarm";
export const onCI = process.env.CI === "true";

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
 * from the default 30000-39999; a random window per call, and one whose ports are all free now
 * (other runs on the machine use windows of the same area, and a test that needs every port of
 * a small range fails when one is taken).
 */
export async function portRange(size = 40): Promise<[number, number]> {
  const slots = Math.floor(9_000 / 60);
  for (let attempt = 0; ; attempt++) {
    const slot = (Math.floor(Math.random() * slots) + rangeSlot++ * 7) % slots;
    const from = 21_000 + slot * 60;
    const ports = Array.from({ length: size }, (_, index) => from + index);
    const free = await Promise.all(ports.map((port) => isPortFree("127.0.0.1", port)));
    if (free.every(Boolean) || attempt >= 20) return [from, from + size - 1];
  }
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
  const [from, to] = options.portRange ?? (await portRange());
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
      // Swarm services first: their tasks would otherwise come back as the containers are removed.
      if (runtime === "swarm") await removeSwarmObjects(`${instance}-`);
      await removeEverything({ dataDir: handle.dataDir, dockerPrefix: runtime === "process" ? undefined : `${instance}-` });
    },
  };
  return handle;
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

/** The installation's CA certificate as a client downloads it (GET /v1/tls/ca.pem), and a file holding it (for redis-cli --cacert). */
export async function downloadCa(node: NodeServer): Promise<{ ca: string; caFile: string }> {
  const ca = await (await fetch(`${node.server.url}/v1/tls/ca.pem`)).text();
  const caFile = path.join(node.dataDir, "downloaded-ca.pem");
  writeFileSync(caFile, ca);
  return { ca, caFile };
}

/**
 * TestFailover of a cluster-mode-disabled group's node group 0001, resolved once the failover has
 * completed and the old primary is recovered (as a replica); returns the group's endpoints then.
 */
export async function failOverAndRecover(api: Api, id: string): Promise<ReturnType<typeof endpointsOf> & { oldPrimary: string }> {
  const before = endpointsOf(await api.group(id));
  const oldPrimary = Object.keys(before.members).find((member) => before.members[member].role === "primary")!;
  await api.send("TestFailover", { ReplicationGroupId: id, NodeGroupId: "0001" });
  await eventually(
    async () => (await api.events("replication-group", id)).some((event) => /^Failover from primary node .* completed$/.test(event.Message)),
    60_000,
    "failover completed",
  );
  await eventually(async () => (await api.events("cache-cluster", oldPrimary)).some((event) => event.Message.startsWith("Finished recovery")), 60_000, "old primary recovered");
  return { ...endpointsOf(await api.waitGroup(id)), oldPrimary };
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

/** Kills a node the way a crash would: SIGKILL of the process, or docker kill of the container. */
export function crashNode(target: NodeServer, node: string): void {
  if (target.runtime === "process") {
    const pid = pidFileOf(target.dataDir, node);
    if (!pid) throw new Error(`no pid for ${node}`);
    process.kill(pid, "SIGKILL");
  } else {
    execFileSync("docker", ["kill", containerName(target, node)], { stdio: "ignore" });
  }
}

/** Waits until the group is available with every node of every member available. */
export async function waitSettled(target: NodeServer, id: string, timeoutMs = 30_000): Promise<any> {
  return eventually(
    async () => {
      const group = await target.api.group(id);
      const members = group.NodeGroups[0].NodeGroupMembers;
      const clusters = await Promise.all(members.map((member: any) => target.api.cluster(member.CacheClusterId)));
      const allAvailable = clusters.every((cluster: any) => cluster.CacheNodes?.every((node: any) => node.CacheNodeStatus === "available"));
      return group.Status === "available" && allAvailable && group;
    },
    timeoutMs,
    `group ${id} settled`,
  );
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
