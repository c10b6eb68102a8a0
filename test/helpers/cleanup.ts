/**
 * The one way tests remove what they ran: node processes found under a data directory (in /proc,
 * whether or not a pid file was written), the Docker containers, volumes and networks labelled
 * with one name prefix (an instance's `<ECL_INSTANCE>-`, or a runtime test's own prefix), and the
 * data directory. Only what carries the test's own directory or prefix is touched: other runs on
 * the machine are left alone.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Lines of a docker CLI command's output. */
export async function dockerLines(args: string[]): Promise<string[]> {
  const { stdout } = await run("docker", args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout.split("\n").map((line) => line.trim()).filter(Boolean);
}

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

/** Removes every container (with its anonymous volumes), volume and network labelled elasticache-local.prefix=`prefix`. */
export async function removeDockerObjects(prefix: string): Promise<void> {
  const filter = ["--filter", `label=elasticache-local.prefix=${prefix}`];
  try {
    const containers = await dockerLines(["ps", "-aq", ...filter]);
    if (containers.length > 0) await run("docker", ["rm", "-f", "-v", ...containers]).catch(() => undefined);
    const volumes = await dockerLines(["volume", "ls", "-q", ...filter]);
    if (volumes.length > 0) await run("docker", ["volume", "rm", ...volumes]).catch(() => undefined);
    const networks = await dockerLines(["network", "ls", "-q", ...filter]);
    if (networks.length > 0) await run("docker", ["network", "rm", ...networks]).catch(() => undefined);
  } catch {
    // no Docker here
  }
}

/**
 * Kills the node processes under `dataDir`, removes the Docker objects of `dockerPrefix` (when
 * given), then the data directory.
 */
export async function removeEverything(target: { dataDir: string; dockerPrefix?: string }): Promise<void> {
  for (const pid of nodeProcessesUnder(target.dataDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  if (target.dockerPrefix) await removeDockerObjects(target.dockerPrefix);
  rmSync(target.dataDir, { recursive: true, force: true });
}
