/**
 * NodeRuntime on local processes. Each node owns `<dataDir>/nodes/<name>/`:
 *   node.json  the spec and binary it was started with (so a restarted control plane finds it)
 *   pid        the engine's pid while it runs
 *   node.log   the engine's stdout/stderr (appended across restarts)
 * Engines are spawned detached and unref'd, so they outlive the control plane; a new ProcessRuntime
 * on the same dataDir adopts them. A pid is only trusted when /proc/<pid>/cmdline still names the
 * engine binary and the node's port (pids are reused).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { engineArgs } from "../engine-config.ts";
import { RuntimeError } from "../errors.ts";
import { silentLogger, type RuntimeLogger } from "../logger.ts";
import { KeyedMutex, NODE_NAME_RE } from "../mutex.ts";
import { waitUntilReady } from "../readiness.ts";
import type { Address, EngineKind, NodeHandle, NodeRuntime, NodeSpec, ObservedNode } from "../types.ts";

export interface ProcessRuntimeOptions {
  /** Root of the runtime's state; nodes live in `<dataDir>/nodes/<name>/`. */
  dataDir: string;
  /** Default "redis-server" (looked up on PATH). */
  redisServerPath?: string;
  /** Binary for engine "valkey"; default: redisServerPath (Redis 7 speaks the same protocol). */
  valkeyServerPath?: string;
  /** Default "memcached". */
  memcachedPath?: string;
  /** Address engines bind to; default 127.0.0.1. */
  bindHost?: string;
  /** How long start()/restart() wait for the engine to accept connections; default 10 s. */
  readyTimeoutMs?: number;
  /** restart(): SIGTERM, then SIGKILL after this long; default 5 s. */
  stopTimeoutMs?: number;
  /** `-u` for memcached (it refuses to run as root without it); default "nobody" when running as root. */
  memcachedUser?: string;
  logger?: RuntimeLogger;
}

interface NodeState {
  spec: NodeSpec;
  binary: string;
  args: string[];
  startedAt: string;
}

export class ProcessRuntime implements NodeRuntime {
  readonly kind = "process" as const;
  private readonly nodesDir: string;
  private readonly bindHost: string;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly binaries: Record<EngineKind, string>;
  private readonly memcachedUser: string | undefined;
  private readonly log: RuntimeLogger;
  private readonly mutex = new KeyedMutex();
  /** Children this instance spawned (so their exit is observed and they are reaped). */
  private readonly children = new Map<string, ChildProcess>();

  constructor(opts: ProcessRuntimeOptions) {
    this.nodesDir = path.join(path.resolve(opts.dataDir), "nodes");
    this.bindHost = opts.bindHost ?? "127.0.0.1";
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    const redis = opts.redisServerPath ?? "redis-server";
    this.binaries = { redis, valkey: opts.valkeyServerPath ?? redis, memcached: opts.memcachedPath ?? "memcached" };
    this.memcachedUser = opts.memcachedUser ?? (process.getuid?.() === 0 ? "nobody" : undefined);
    this.log = opts.logger ?? silentLogger;
  }

  async start(spec: NodeSpec): Promise<NodeHandle> {
    checkName(spec.name);
    return this.mutex.run(spec.name, async () => {
      const state = await this.readState(spec.name);
      const pid = await this.readPid(spec.name);
      if (state && pid !== undefined && isNodeProcess(pid, state.binary, state.spec.hostPort)) {
        if (state.spec.engine === spec.engine && state.spec.hostPort === spec.hostPort && state.binary === this.binaries[spec.engine]) {
          // Adopt. Record the new spec (labels, settings) for the next restart; live settings are
          // the caller's business (CONFIG SET), a restart here would lose the node's data.
          await this.writeState(spec.name, { ...state, spec });
          await this.waitReady(spec, pid);
          this.log.debug({ node: spec.name, pid }, "adopted running node process");
          return this.handle(spec, pid);
        }
        this.log.debug({ node: spec.name, pid }, "node spec changed (engine/port); replacing its process");
        await stopPid(pid, 0);
      }
      return this.spawnNode(spec);
    });
  }

  async restart(name: string): Promise<NodeHandle> {
    checkName(name);
    return this.mutex.run(name, async () => {
      const state = await this.readState(name);
      if (!state) throw new RuntimeError("NodeNotFound", `No node "${name}" in ${this.nodesDir}`);
      const pid = await this.readPid(name);
      if (pid !== undefined && isNodeProcess(pid, state.binary, state.spec.hostPort)) {
        await stopPid(pid, this.stopTimeoutMs);
        await this.reaped(name, pid);
      }
      return this.spawnNode(state.spec);
    });
  }

  kill(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, () => this.killLocked(name));
  }

  remove(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, async () => {
      await this.killLocked(name);
      for (const stray of processesIn(path.resolve(this.nodeDir(name)))) await stopPid(stray, 0);
      await fs.rm(this.nodeDir(name), { recursive: true, force: true });
      this.forget(name);
      this.log.debug({ node: name }, "removed node");
    });
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
      const state = await this.readState(name);
      if (!state) continue;
      const pid = await this.readPid(name);
      const running = pid !== undefined && isNodeProcess(pid, state.binary, state.spec.hostPort);
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

  private adminHost(): string {
    return this.bindHost === "0.0.0.0" ? "127.0.0.1" : this.bindHost === "::" ? "::1" : this.bindHost;
  }

  private handle(spec: NodeSpec, pid: number | undefined): NodeHandle {
    const addr: Address = { host: this.adminHost(), port: spec.hostPort };
    return { name: spec.name, runtimeId: pid === undefined ? "" : String(pid), adminAddress: addr, peerAddress: { ...addr }, clientAddress: { ...addr } };
  }

  private async spawnNode(spec: NodeSpec): Promise<NodeHandle> {
    const dir = this.nodeDir(spec.name);
    await fs.mkdir(dir, { recursive: true });
    const binary = this.binaries[spec.engine];
    const args = engineArgs(spec.engine, {
      port: spec.hostPort,
      bind: this.bindHost,
      dir,
      maxMemoryMb: spec.maxMemoryMb,
      settings: spec.settings,
      memcachedUser: this.memcachedUser,
    });
    await this.writeState(spec.name, { spec, binary, args, startedAt: new Date().toISOString() });

    const logFile = this.logPath(spec.name);
    const logOffset = await fs.stat(logFile).then((s) => s.size, () => 0);
    // A process of this node that no pid file names (the control plane died between a spawn and
    // writing its pid) would hold the port and outlive every removal: find it by its working
    // directory, which is the node's own, and stop it first.
    for (const stray of processesIn(path.resolve(dir))) await stopPid(stray, 0);
    const fd = openSync(logFile, "a");
    const t0 = performance.now();
    let child: ChildProcess;
    try {
      child = spawn(binary, args, { cwd: dir, detached: true, stdio: ["ignore", fd, fd] });
      // Synchronously, before anything can interrupt us: the pid is the only handle on the process.
      if (child.pid !== undefined) {
        writeFileSync(path.join(dir, "pid"), `${child.pid}\n`);
        this.pidCache.set(spec.name, child.pid);
      }
    } finally {
      closeSync(fd);
    }
    let exited: string | undefined;
    child.once("exit", (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (this.children.get(spec.name) === child) this.children.delete(spec.name);
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) =>
        reject(new RuntimeError("StartFailed", `Cannot start ${spec.engine} node "${spec.name}" with ${binary}: ${err.message}`, { cause: err })),
      );
    });
    const pid = child.pid!;
    child.unref();
    this.children.set(spec.name, child);

    const readTail = async () => {
      const text = await fs.readFile(logFile, "utf8").catch(() => "");
      return text.slice(logOffset).trim().split("\n").slice(-8).join("\n");
    };
    try {
      const ms = await waitUntilReady({ host: this.adminHost(), port: spec.hostPort }, spec.engine, {
        timeoutMs: this.readyTimeoutMs,
        checkEveryMs: 0,
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
    const state = await this.readState(name);
    const pid = await this.readPid(name);
    if (state && pid !== undefined && isNodeProcess(pid, state.binary, state.spec.hostPort)) {
      await stopPid(pid, 0);
      await this.reaped(name, pid);
      this.log.debug({ node: name, pid }, "killed node process");
    }
    await fs.rm(path.join(this.nodeDir(name), "pid"), { force: true });
    this.pidCache.delete(name);
  }

  // node.json and pid are written only by this runtime, so what it wrote or read once is kept in
  // memory: list() runs on every reconcile pass and must not re-read two files per node each time.
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
    await fs.writeFile(tmp, JSON.stringify(state, null, 2));
    await fs.rename(tmp, file);
    this.stateCache.set(name, state);
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

function checkName(name: string): void {
  if (!NODE_NAME_RE.test(name)) {
    throw new RuntimeError("InvalidSpec", `Invalid node name "${name}": lowercase letters, digits and hyphens, at most 63 characters`);
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

/**
 * True when `pid` is a live process of this node: its command line names the binary and the port
 * (redis-server rewrites its title to "redis-server 127.0.0.1:PORT"; memcached keeps "-p PORT").
 */
/** Pids of the processes whose working directory is `dir` (Linux /proc; none elsewhere). */
export function processesIn(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

export function isNodeProcess(pid: number, binary: string, port: number): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return !existsSync("/proc/self"); // no procfs (not Linux): the pid file is all we have
  }
  return cmdline.includes(path.basename(binary)) && new RegExp(`(^|[^0-9])${port}([^0-9]|$)`).test(cmdline);
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
