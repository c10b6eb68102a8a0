/**
 * NodeRuntime on local processes. Each node owns `<dataDir>/nodes/<name>/`:
 *   node.json  the spec (without files and secrets), binary and installation id it was started with,
 *              so a restarted control plane finds it and a foreign node is never listed
 *   pid        the engine's pid while it runs
 *   node.log   the engine's stdout/stderr (appended across restarts)
 *   files/     spec.files, readable by the engine only (0700, files 0600)
 *   data/      the engine's working and data directory (dump.rdb), writable by the engine only
 * Redis/Valkey read their configuration, secrets included, from stdin: nothing secret is on disk,
 * on a command line or in node.json.
 *
 * When the control plane runs as root, engines run as an unprivileged user (`nobody` by default).
 * They are started inside data/ and reach their files by relative paths (`${files}` is
 * `../files`), so they need no access to the directories above the node's own.
 *
 * Engines are spawned detached and unref'd, so they outlive the control plane; a new ProcessRuntime
 * on the same dataDir adopts them. A pid is only trusted when the process still runs the engine
 * binary inside the node's directory (pids are reused).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { DATA_FILE_NAME, EMPTY_RDB, engineLaunch, isLoopback, type Placement } from "../engine-config.ts";
import { RuntimeError } from "../errors.ts";
import { silentLogger, type RuntimeLogger } from "../logger.ts";
import { KeyedMutex } from "../mutex.ts";
import { waitUntilReady } from "../readiness.ts";
import { NODE_NAME_RE, checkNodeName, checkSpec } from "../spec.ts";
import type { Address, EngineKind, NodeHandle, NodeRuntime, NodeSpec, ObservedNode, PortAddresses } from "../types.ts";

export interface ProcessRuntimeOptions {
  /** Root of the runtime's state; nodes live in `<dataDir>/nodes/<name>/`. */
  dataDir: string;
  /** The installation this runtime belongs to: recorded in node.json; list() shows only nodes that carry it. */
  installationId: string;
  /** Default "redis-server" (looked up on PATH). */
  redisServerPath?: string;
  /** Binary for engine "valkey"; default: redisServerPath (Redis 7 speaks the same protocol). */
  valkeyServerPath?: string;
  /** Default "memcached". */
  memcachedPath?: string;
  /** Address engines bind to; default 127.0.0.1. Redis runs in protected mode when it is a loopback address. */
  bindHost?: string;
  /** How long start()/restart() wait for the engine to accept connections; default 10 s. */
  readyTimeoutMs?: number;
  /** restart(): SIGTERM, then SIGKILL after this long; default 5 s. */
  stopTimeoutMs?: number;
  /**
   * User the engines run as. Default: "nobody" when the control plane runs as root, else the
   * control plane's own user (null).
   */
  engineUser?: string | null;
  logger?: RuntimeLogger;
}

/** What node.json keeps of a spec: no file contents, no secrets, no one-time data file. */
type RecordedSpec = Omit<NodeSpec, "files" | "secretSettings" | "dataFile">;

interface NodeState {
  /** Absent in node.json files written before installations had ids: those are adopted. */
  installation?: string;
  spec: RecordedSpec;
  binary: string;
  args: string[];
  startedAt: string;
}

interface EngineUser {
  uid: number;
  gid: number;
}

export class ProcessRuntime implements NodeRuntime {
  readonly kind = "process" as const;
  private readonly nodesDir: string;
  private readonly installationId: string;
  private readonly bindHost: string;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly binaries: Record<EngineKind, string>;
  private readonly engineUser: EngineUser | undefined;
  /** memcached refuses to run as root without `-u`; only needed when engines keep root. */
  private readonly memcachedUser: string | undefined;
  private readonly log: RuntimeLogger;
  private readonly mutex = new KeyedMutex();
  /** Children this instance spawned (so their exit is observed and they are reaped). */
  private readonly children = new Map<string, ChildProcess>();

  constructor(opts: ProcessRuntimeOptions) {
    this.nodesDir = path.join(path.resolve(opts.dataDir), "nodes");
    this.installationId = opts.installationId;
    this.bindHost = opts.bindHost ?? "127.0.0.1";
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    const redis = opts.redisServerPath ?? "redis-server";
    this.binaries = { redis, valkey: opts.valkeyServerPath ?? redis, memcached: opts.memcachedPath ?? "memcached" };
    const root = process.getuid?.() === 0;
    const userName = opts.engineUser === undefined ? (root ? "nobody" : null) : opts.engineUser;
    this.engineUser = userName ? lookupUser(userName) : undefined;
    this.memcachedUser = root && !this.engineUser ? "nobody" : undefined;
    this.log = opts.logger ?? silentLogger;
  }

  async start(spec: NodeSpec): Promise<NodeHandle> {
    checkSpec(spec);
    return this.mutex.run(spec.name, async () => {
      const { state, pid } = await this.liveNode(spec.name);
      if (state && pid !== undefined) {
        if (layoutOf(state.spec) === layoutOf(spec) && state.binary === this.binaries[spec.engine]) {
          // Adopt. Record the new spec (labels, settings) for list(); live settings are the
          // caller's business (CONFIG SET): a restart here would lose the node's data.
          // Adopted only when it answers on the spec's port: a process that does not (it never
          // got its configuration, or hangs) is replaced, never waited on pass after pass.
          try {
            await this.waitReady(spec, pid);
            await this.writeState(spec.name, { ...state, installation: this.installationId, spec: recorded(spec) });
            this.log.debug({ node: spec.name, pid }, "adopted running node process");
            return this.handle(spec, pid);
          } catch (error) {
            if (!(error instanceof RuntimeError)) throw error;
            this.log.warn?.({ node: spec.name, pid, err: error.message }, "running node process does not answer as its spec says; replacing it");
          }
        } else {
          this.log.debug({ node: spec.name, pid }, "node ports or engine changed; replacing its process");
        }
        await stopPid(pid, 0);
        await this.reaped(spec.name, pid);
      }
      return this.spawnNode(spec);
    });
  }

  async restart(spec: NodeSpec): Promise<NodeHandle> {
    checkSpec(spec);
    return this.mutex.run(spec.name, async () => {
      const state = await this.ownState(spec.name);
      if (!state) throw new RuntimeError("NodeNotFound", `No node "${spec.name}" in ${this.nodesDir}`);
      const { pid } = await this.liveNode(spec.name);
      if (pid !== undefined) {
        await stopPid(pid, this.stopTimeoutMs);
        await this.reaped(spec.name, pid);
      }
      return this.spawnNode(spec);
    });
  }

  kill(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, () => this.killLocked(name));
  }

  remove(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, async () => {
      await this.ownState(name);
      await this.killLocked(name);
      for (const stray of processesWithin(this.nodeDir(name))) await stopPid(stray, 0);
      await fs.rm(this.nodeDir(name), { recursive: true, force: true });
      this.forget(name);
      this.log.debug({ node: name }, "removed node");
    });
  }

  async exportDataFile(name: string, destinationPath: string): Promise<void> {
    checkNodeName(name);
    if (!(await this.ownState(name))) throw new RuntimeError("NodeNotFound", `No node "${name}" in ${this.nodesDir}`);
    const source = path.join(this.dataDirOf(name), DATA_FILE_NAME);
    try {
      await fs.copyFile(source, destinationPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && !existsSync(source)) {
        throw new RuntimeError("NoDataFile", `Node "${name}" has no ${DATA_FILE_NAME}: run BGSAVE and wait for it to finish first`);
      }
      throw error;
    }
  }

  async list(): Promise<ObservedNode[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.nodesDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out: ObservedNode[] = [];
    for (const name of names.sort()) {
      if (!NODE_NAME_RE.test(name)) continue;
      const { state, pid } = await this.liveNode(name, false);
      if (!state || (state.installation !== undefined && state.installation !== this.installationId)) continue;
      const running = pid !== undefined;
      out.push({ ...this.handle(state.spec, running ? pid : undefined), running, labels: { ...(state.spec.labels ?? {}) } });
    }
    return out;
  }

  /** Engine processes outlive the control plane on purpose: nothing to stop here. */
  async close(): Promise<void> {
    for (const child of this.children.values()) child.removeAllListeners();
    this.children.clear();
  }

  /** Path of a node's log file (for diagnostics). */
  logPath(name: string): string {
    return path.join(this.nodeDir(name), "node.log");
  }

  // --- internals -------------------------------------------------------------------------------

  private nodeDir(name: string): string {
    return path.join(this.nodesDir, name);
  }

  private dataDirOf(name: string): string {
    return path.join(this.nodeDir(name), "data");
  }

  private adminHost(): string {
    return this.bindHost === "0.0.0.0" ? "127.0.0.1" : this.bindHost === "::" ? "::1" : this.bindHost;
  }

  /** Our state of a node; RuntimeError("Conflict") for a node directory another installation wrote. */
  private async ownState(name: string): Promise<NodeState | undefined> {
    const state = await this.readState(name);
    if (state?.installation !== undefined && state.installation !== this.installationId) {
      throw new RuntimeError("Conflict", `Node "${name}" in ${this.nodesDir} belongs to another installation (${state.installation})`);
    }
    return state;
  }

  private isNodeProcess(pid: number, state: NodeState): boolean {
    return isNodeProcess(pid, state.binary, this.nodeDir(state.spec.name));
  }

  private handle(spec: RecordedSpec, pid: number | undefined): NodeHandle {
    const at = (port: number): PortAddresses => {
      const addr: Address = { host: this.adminHost(), port };
      return { admin: addr, peer: { ...addr }, client: { ...addr } };
    };
    const main = at(spec.hostPort);
    const ports: Record<string, PortAddresses> = {};
    for (const extra of spec.extraPorts ?? []) ports[extra.name] = at(extra.hostPort);
    return { name: spec.name, runtimeId: pid === undefined ? "" : String(pid), adminAddress: main.admin, peerAddress: main.peer, clientAddress: main.client, ports };
  }

  /** Directory (0700) owned by the engine's user. */
  private async ownedDir(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    await fs.chmod(dir, 0o700);
    if (this.engineUser) await fs.chown(dir, this.engineUser.uid, this.engineUser.gid);
  }

  /** File (0600) owned by the engine's user. */
  private async ownedFile(file: string, content: string | Buffer | { copyOf: string }): Promise<void> {
    if (typeof content === "object" && !Buffer.isBuffer(content)) await fs.copyFile(content.copyOf, file);
    else await fs.writeFile(file, content);
    await fs.chmod(file, 0o600);
    if (this.engineUser) await fs.chown(file, this.engineUser.uid, this.engineUser.gid);
  }

  /** Writes what the engine reads before it starts: its files and its data file (or none). */
  private async prepareNodeDir(spec: NodeSpec): Promise<void> {
    const dir = this.nodeDir(spec.name);
    await fs.mkdir(dir, { recursive: true });
    // An engine running as another user must pass through the node's directory, not list it.
    await fs.chmod(dir, this.engineUser ? 0o711 : 0o700);
    const files = path.join(dir, "files");
    await fs.rm(files, { recursive: true, force: true }); // files of an earlier spec go
    await this.ownedDir(files);
    for (const [name, content] of Object.entries(spec.files ?? {})) await this.ownedFile(path.join(files, name), content);
    const data = this.dataDirOf(spec.name);
    await this.ownedDir(data);
    // No old snapshot (an earlier BGSAVE's, a replica sync's) comes back with a restart.
    if (spec.engine !== "memcached") await this.ownedFile(path.join(data, DATA_FILE_NAME), spec.dataFile ? { copyOf: spec.dataFile } : EMPTY_RDB);
  }

  private async spawnNode(spec: NodeSpec): Promise<NodeHandle> {
    const dir = this.nodeDir(spec.name);
    const binary = this.binaries[spec.engine];
    const placement: Placement = {
      port: spec.hostPort,
      extraPorts: Object.fromEntries((spec.extraPorts ?? []).map((extra) => [extra.name, extra.hostPort])),
      bind: this.bindHost,
      dir: ".",
      filesDir: "../files",
      protectedMode: isLoopback(this.bindHost),
      memcachedUser: this.memcachedUser,
    };
    const launch = engineLaunch(spec, placement); // refuses bad settings before anything is written
    await this.prepareNodeDir(spec);
    await this.writeState(spec.name, { installation: this.installationId, spec: recorded(spec), binary, args: launch.args, startedAt: new Date().toISOString() });

    const logFile = this.logPath(spec.name);
    const logOffset = await fs.stat(logFile).then((s) => s.size, () => 0);
    // A process of this node that no pid file names (the control plane died between a spawn and
    // writing its pid) would hold the port and outlive every removal: find it by its working
    // directory, which is inside the node's own, and stop it first.
    for (const stray of processesWithin(dir)) await stopPid(stray, 0);
    // The pid file of an earlier process goes first: until the new one has its configuration,
    // no pid file names any process of this node.
    await fs.rm(path.join(dir, "pid"), { force: true });
    this.pidCache.delete(spec.name);
    const fd = openSync(logFile, "a");
    const t0 = performance.now();
    let child: ChildProcess;
    try {
      child = spawn(binary, launch.args, {
        cwd: this.dataDirOf(spec.name),
        detached: true,
        stdio: [launch.config === undefined ? "ignore" : "pipe", fd, fd],
        ...(this.engineUser ?? {}),
      });
    } finally {
      closeSync(fd);
    }
    let exited: string | undefined;
    child.once("exit", (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (this.children.get(spec.name) === child) this.children.delete(spec.name);
    });
    const delivered = deliverConfig(child, launch.config);
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) =>
        reject(new RuntimeError("StartFailed", `Cannot start ${spec.engine} node "${spec.name}" with ${binary}: ${err.message}`, { cause: err })),
      );
    });
    const pid = child.pid!;
    child.unref();
    this.children.set(spec.name, child);
    // A Redis that reads an early end of its stdin (the control plane died before the whole
    // configuration was written) starts with defaults: another port, every interface, no
    // replicaof, no secrets. So the pid file, what makes a process this node's and adoptable,
    // is written only once the configuration is in the engine's pipe; a control plane that dies
    // before leaves a process no pid file names, which the next start finds by its working
    // directory and stops (processesWithin above).
    await delivered;
    if (!exited) {
      writeFileSync(path.join(dir, "pid"), `${pid}\n`);
      this.pidCache.set(spec.name, pid);
    }

    const readTail = async () => {
      const text = await fs.readFile(logFile, "utf8").catch(() => "");
      return text.slice(logOffset).trim().split("\n").slice(-8).join("\n");
    };
    try {
      const ms = await waitUntilReady({ host: this.adminHost(), port: spec.hostPort }, spec.engine, {
        timeoutMs: this.readyTimeoutMs,
        checkEveryMs: 0,
        tls: spec.tlsOnly,
        what: `${spec.engine} node "${spec.name}"`,
        check: async () => {
          if (exited) {
            throw new RuntimeError("StartFailed", `${spec.engine} node "${spec.name}" ${exited} during start:\n${await readTail()}`);
          }
        },
      });
      this.log.debug({ node: spec.name, pid, port: spec.hostPort, readyMs: Math.round(ms), totalMs: Math.round(performance.now() - t0) }, "node process ready");
    } catch (err) {
      if (!exited) await stopPid(pid, 0);
      await fs.rm(path.join(dir, "pid"), { force: true });
      this.pidCache.delete(spec.name);
      if (err instanceof RuntimeError && err.code === "StartTimeout") {
        err.message += `; process killed. Log tail:\n${await readTail()}`;
      }
      throw err;
    }
    return this.handle(spec, pid);
  }

  /** Readiness of an adopted process (it may still be starting). */
  private async waitReady(spec: NodeSpec, pid: number): Promise<void> {
    await waitUntilReady({ host: this.adminHost(), port: spec.hostPort }, spec.engine, {
      timeoutMs: this.readyTimeoutMs,
      tls: spec.tlsOnly,
      what: `${spec.engine} node "${spec.name}" (pid ${pid})`,
      check: () => {
        if (!isAlive(pid)) throw new RuntimeError("StartFailed", `${spec.engine} node "${spec.name}" (pid ${pid}) exited`);
      },
    });
  }

  /** When this instance spawned the (now dead) process, waits for Node to reap it: no zombie is left behind. */
  private async reaped(name: string, pid: number): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.pid !== pid || child.exitCode !== null || child.signalCode !== null) return;
    await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 1_000))]);
  }

  private async killLocked(name: string): Promise<void> {
    const { state, pid } = await this.liveNode(name);
    if (state && pid !== undefined) {
      await stopPid(pid, 0);
      await this.reaped(name, pid);
      this.log.debug({ node: name, pid }, "killed node process");
    }
    await fs.rm(path.join(this.nodeDir(name), "pid"), { force: true });
    this.pidCache.delete(name);
  }

  // What this runtime wrote or read of node.json and pid is kept in memory: list() runs on every
  // reconcile pass and must not re-read two files per node each time. A cached pid that is no
  // live node process is read again (liveNode): several control planes on PostgreSQL share one
  // data directory, and the leader may have restarted a node since this instance last looked.
  private readonly stateCache = new Map<string, NodeState>();
  private readonly pidCache = new Map<string, number>();

  private forget(name: string): void {
    this.stateCache.delete(name);
    this.pidCache.delete(name);
  }

  private async readState(name: string): Promise<NodeState | undefined> {
    const cached = this.stateCache.get(name);
    if (cached) return cached;
    try {
      const state = JSON.parse(await fs.readFile(path.join(this.nodeDir(name), "node.json"), "utf8")) as NodeState;
      this.stateCache.set(name, state);
      return state;
    } catch {
      return undefined;
    }
  }

  private async writeState(name: string, state: NodeState): Promise<void> {
    const file = path.join(this.nodeDir(name), "node.json");
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
    await fs.rename(tmp, file);
    this.stateCache.set(name, state);
  }

  /**
   * A node's state and the pid of its live process (undefined when none): as cached, or, when the
   * cached pid is no live node process, as node.json and the pid file say now (another instance
   * may have restarted the node, with another spec). `own`: refuse another installation's node.
   */
  private async liveNode(name: string, own = true): Promise<{ state?: NodeState; pid?: number }> {
    const read = async () => {
      const state = own ? await this.ownState(name) : await this.readState(name);
      const pid = state && (await this.readPid(name));
      return { state, pid: state && pid !== undefined && this.isNodeProcess(pid, state) ? pid : undefined };
    };
    const cached = await read();
    if (cached.pid !== undefined || !this.pidCache.has(name)) return cached;
    this.forget(name);
    return read();
  }

  private async readPid(name: string): Promise<number | undefined> {
    const cached = this.pidCache.get(name);
    if (cached !== undefined) return cached;
    try {
      const pid = Number.parseInt(await fs.readFile(path.join(this.nodeDir(name), "pid"), "utf8"), 10);
      if (!Number.isInteger(pid) || pid <= 0) return undefined;
      this.pidCache.set(name, pid);
      return pid;
    } catch {
      return undefined;
    }
  }
}

/**
 * Writes a Redis configuration into the engine's stdin and resolves once it is all in the pipe
 * (or the engine is gone: its pipe closed early, which the readiness wait reports). Memcached has
 * no stdin: nothing to deliver.
 */
function deliverConfig(child: ChildProcess, config: string | undefined): Promise<void> {
  const stdin = child.stdin;
  if (config === undefined || !stdin) return Promise.resolve();
  return new Promise<void>((resolve) => {
    stdin.on("error", () => resolve()); // an engine that dies at once closes its stdin early
    child.once("error", () => resolve()); // no process at all (spawn failed)
    stdin.end(config, () => resolve());
  });
}

function recorded(spec: NodeSpec): RecordedSpec {
  const { files: _files, secretSettings: _secrets, dataFile: _dataFile, ...rest } = spec;
  return rest;
}

/** What a running process must match to be adopted as the node: engine and every port it listens on. */
function layoutOf(spec: RecordedSpec): string {
  const extras = (spec.extraPorts ?? []).map((extra) => [extra.name, extra.hostPort, extra.setting ?? ""]);
  return JSON.stringify([spec.engine, spec.hostPort, Boolean(spec.tlsOnly), extras]);
}

/** uid and gid of a user, through the system's own user database (`id`). */
function lookupUser(name: string): EngineUser {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new RuntimeError("InvalidSpec", `Engine user "${name}" does not exist on this machine`, { cause: error });
  }
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return !existsSync("/proc/self"); // no procfs: trust kill(0)
  }
}

/** The working directory of a process is `dir` or inside it. */
function cwdWithin(pid: number | string, dir: string): boolean {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || cwd.startsWith(`${dir}/`);
  } catch {
    return false; // gone, or not ours to read
  }
}

/** Pids of the processes working inside `dir` (Linux /proc; none elsewhere). */
export function processesWithin(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const resolved = path.resolve(dir);
  return entries.filter((entry) => /^\d+$/.test(entry) && cwdWithin(entry, resolved)).map(Number);
}

/**
 * True when `pid` is a live process of the node whose directory is `nodeDir`: it runs the engine
 * binary (its command line names it) inside that directory.
 */
export function isNodeProcess(pid: number, binary: string, nodeDir: string): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return !existsSync("/proc/self"); // no procfs (not Linux): the pid file is all we have
  }
  return cmdline.includes(path.basename(binary)) && cwdWithin(pid, path.resolve(nodeDir));
}

/** SIGTERM, then SIGKILL after `graceMs` (0: SIGKILL at once); resolves when the process is gone. */
export async function stopPid(pid: number, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  const waitGone = async (ms: number) => {
    const deadline = performance.now() + ms;
    while (isAlive(pid)) {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  };
  if (graceMs > 0) {
    signal("SIGTERM");
    if (await waitGone(graceMs)) return;
  }
  signal("SIGKILL");
  if (!(await waitGone(5_000))) throw new RuntimeError("StartFailed", `Process ${pid} survived SIGKILL`);
}
