/**
 * Starts the real control plane (`tsx src/main.ts`) as a child process on a free loopback port
 * with its own data directory, as a user would run it, and stops it afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, createWriteStream, existsSync, mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { removeEverything } from "./cleanup.ts";
import { templateDatabase } from "./database.ts";

const root = path.resolve(import.meta.dirname, "../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  databaseFile: string;
  process: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would (of the whole process group when started with `processGroup`). */
  kill(): Promise<void>;
  /** Stops the server and removes everything it ran: node processes, its containers, its data directory. */
  cleanup(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (restart after a crash). */
  dataDir?: string;
  port?: number;
  /** Runs the control plane of another checkout (a benchmark's baseline) instead of this one. */
  checkout?: string;
  /**
   * Runs the control plane in a process group of its own, so kill() can SIGKILL the group as
   * `kill -9 -PGID` would (the node binary and any helper it spawned, all at once). Without it the
   * server shares the caller's group and kill() ends the server process alone.
   */
  processGroup?: boolean;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "ecl-data-"));
  const databaseFile = path.join(dataDir, "elasticache-local.db");
  if (!existsSync(databaseFile)) copyFileSync(await templateDatabase(), databaseFile);
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: options.checkout ?? root,
    env: { ...process.env, ECL_PORT: String(port), ECL_DATA_DIR: dataDir, ECL_LOG_LEVEL: process.env.ECL_LOG_LEVEL ?? "warn", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.processGroup === true,
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  // ECL_TEST_LOGS=<dir>: keep each server's log there (run with ECL_LOG_LEVEL=info to see everything).
  if (process.env.ECL_TEST_LOGS) {
    const log = createWriteStream(path.join(process.env.ECL_TEST_LOGS, `server-${port}-${Date.now()}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  // An upper bound, not a speed check: on a machine loaded by other work a start has taken over 30 s.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stopWith = async (signal: NodeJS.Signals, group = false) => {
    if (child.exitCode === null && child.signalCode === null) {
      if (group) process.kill(-child.pid!, signal);
      else child.kill(signal);
    }
    await exited;
  };
  return {
    url,
    port,
    dataDir,
    databaseFile,
    process: child,
    output: () => output,
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL", options.processGroup === true),
    cleanup: async () => {
      await stopWith("SIGTERM");
      // Docker objects only of an instance the caller named: the default instance may be someone else's.
      const instance = options.env?.ECL_INSTANCE;
      await removeEverything({ dataDir, dockerPrefix: instance ? `${instance}-` : undefined });
    },
  };
}
