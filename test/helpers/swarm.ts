/**
 * A one-node Docker Swarm for the Swarm runtime's tests, on an engine other people's test runs
 * share. Made (`docker swarm init --advertise-addr 127.0.0.1`) only when none is active, and then
 * marked as made by tests (a label on the swarm node, saying also whether the docker_gwbridge
 * network came with it). Every user holds a lease (a file naming its pid, under a lock in the
 * temp directory); whoever releases the last live lease undoes a swarm the tests made (`docker
 * swarm leave --force`, and docker_gwbridge if it came with the swarm), once no service is left
 * on it. A swarm someone else made is never left; one a killed test run made is left by the next
 * run that ends. Also what the tests see of a control plane's Swarm objects, found by the
 * instance's label, and their removal.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import lockfile from "proper-lockfile";

const run = promisify(execFile);

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

const lines = (text: string) => text.split("\n").map((line) => line.trim()).filter(Boolean);

/** Shared by every test run on this machine (one Docker engine). */
const STATE_DIR = path.join(os.tmpdir(), "elasticache-local-swarm-tests");
const LEASES_DIR = path.join(STATE_DIR, "leases");
/** On the swarm node of a swarm the tests made: "swarm", or "swarm+gwbridge" when docker_gwbridge came with it. */
export const MADE_BY_TESTS_LABEL = "elasticache-local.made-by-tests";

export interface SwarmLease {
  /** This lease made the swarm. */
  made: boolean;
  /** Gives the lease back; the last one undoes a swarm the tests made. */
  release(): Promise<void>;
}

/** Runs `fn` while holding the machine-wide lock of the swarm's leases. */
async function underLeaseLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(LEASES_DIR, { recursive: true });
  const unlock = await lockfile.lock(STATE_DIR, { lockfilePath: path.join(STATE_DIR, "lock"), stale: 30_000, retries: { retries: 1_000, minTimeout: 50, maxTimeout: 500 } });
  try {
    return await fn();
  } finally {
    await unlock();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Lease files of live processes; those of dead ones (a killed run) are removed. */
function liveLeases(): string[] {
  const live: string[] = [];
  for (const name of readdirSync(LEASES_DIR)) {
    if (processAlive(Number(name.split("-")[0]))) live.push(name);
    else rmSync(path.join(LEASES_DIR, name), { force: true });
  }
  return live;
}

const swarmState = () => docker("info", "--format", "{{.Swarm.LocalNodeState}}");

/** A swarm to test on: the active one, or a one-node swarm made now; release() when done. */
export async function useSwarm(): Promise<SwarmLease> {
  return underLeaseLock(async () => {
    const state = await swarmState();
    let made = false;
    if (state === "active") {
      if ((await docker("info", "--format", "{{.Swarm.ControlAvailable}}")) !== "true") throw new Error("this Docker engine is a swarm worker; the Swarm tests need a manager");
    } else if (state === "inactive") {
      const gwbridgeBefore = lines(await docker("network", "ls", "--format", "{{.Name}}")).includes("docker_gwbridge");
      await docker("swarm", "init", "--advertise-addr", "127.0.0.1");
      made = true;
      try {
        const nodeId = await docker("info", "--format", "{{.Swarm.NodeID}}");
        await docker("node", "update", "--label-add", `${MADE_BY_TESTS_LABEL}=${gwbridgeBefore ? "swarm" : "swarm+gwbridge"}`, nodeId);
      } catch (error) {
        // Unmarked, nobody would ever leave it: undo it now.
        await docker("swarm", "leave", "--force");
        if (!gwbridgeBefore) await docker("network", "rm", "docker_gwbridge").catch(() => undefined);
        throw error;
      }
    } else {
      throw new Error(`the Docker engine's swarm state is "${state}"; the Swarm tests need "active" or "inactive"`);
    }
    const lease = path.join(LEASES_DIR, `${process.pid}-${randomUUID()}`);
    writeFileSync(lease, "");
    return { made, release: () => underLeaseLock(() => giveBack(lease)) };
  });
}

async function giveBack(lease: string): Promise<void> {
  rmSync(lease, { force: true });
  if (liveLeases().length > 0 || (await swarmState()) !== "active") return;
  const madeByTests = JSON.parse(await docker("node", "inspect", "self", "--format", "{{json .Spec.Labels}}"))?.[MADE_BY_TESTS_LABEL] as string | undefined;
  if (!madeByTests) return;
  const services = lines(await docker("service", "ls", "-q"));
  if (services.length > 0) {
    console.warn(`Leaving the swarm the tests made in place: ${services.length} service(s) still run on it`);
    return;
  }
  await docker("swarm", "leave", "--force");
  if (madeByTests === "swarm+gwbridge") await docker("network", "rm", "docker_gwbridge").catch(() => undefined);
}

/** Everything of one control-plane instance (ECL_INSTANCE) on the swarm and its engine, by the prefix label. */
export interface SwarmObjects {
  services: string[];
  containers: string[];
  volumes: string[];
  secrets: string[];
  networks: string[];
}

function prefixFilter(prefix: string): string[] {
  return ["--filter", `label=elasticache-local.prefix=${prefix}`];
}

/** The names of everything labelled with a name prefix (`<instance>-`). */
export async function swarmObjects(prefix: string): Promise<SwarmObjects> {
  const [services, containers, volumes, secrets, networks] = await Promise.all([
    docker("service", "ls", ...prefixFilter(prefix), "--format", "{{.Name}}"),
    docker("ps", "-a", ...prefixFilter(prefix), "--format", "{{.Names}}"),
    docker("volume", "ls", ...prefixFilter(prefix), "--format", "{{.Name}}"),
    docker("secret", "ls", ...prefixFilter(prefix), "--format", "{{.Name}}"),
    docker("network", "ls", ...prefixFilter(prefix), "--format", "{{.Name}}"),
  ]);
  return { services: lines(services), containers: lines(containers), volumes: lines(volumes), secrets: lines(secrets), networks: lines(networks) };
}

/** Removes everything labelled with a name prefix: services first, then what they held. */
export async function removeSwarmObjects(prefix: string): Promise<void> {
  const ids = async (...args: string[]) => lines(await docker(...args, ...prefixFilter(prefix), "-q"));
  const services = await ids("service", "ls");
  if (services.length > 0) await docker("service", "rm", ...services).catch(() => undefined);
  const containers = await ids("ps", "-a");
  if (containers.length > 0) await docker("rm", "-f", ...containers).catch(() => undefined);
  const secrets = await ids("secret", "ls");
  if (secrets.length > 0) await docker("secret", "rm", ...secrets).catch(() => undefined);
  const volumes = await ids("volume", "ls");
  if (volumes.length > 0) await docker("volume", "rm", ...volumes).catch(() => undefined);
  const networks = await ids("network", "ls");
  if (networks.length > 0) await docker("network", "rm", ...networks).catch(() => undefined);
}

/** The id of the running task container of a node's service (what a crash would kill). */
export async function runningTaskContainer(prefix: string, node: string): Promise<string | undefined> {
  const [id] = lines(await docker("ps", "-q", ...prefixFilter(prefix), "--filter", `label=elasticache-local.node=${node}`, "--filter", "label=com.docker.swarm.service.id"));
  return id;
}
