/**
 * A one-node Docker Swarm for the Swarm runtime's tests, on an engine other people's tests share:
 * made (`docker swarm init --advertise-addr 127.0.0.1`) only when none is active, and undone
 * (`docker swarm leave --force`, and the docker_gwbridge network the first overlay task made)
 * only by whoever made it, and only once no service is left on it. Also what the tests see of a
 * control plane's Swarm objects, found by the instance's label, and their removal.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

const lines = (text: string) => text.split("\n").map((line) => line.trim()).filter(Boolean);

export interface SwarmLease {
  /** This lease made the swarm (and will undo it). */
  made: boolean;
  release(): Promise<void>;
}

/** A swarm to test on: the active one, or a one-node swarm made now and undone by release(). */
export async function useSwarm(): Promise<SwarmLease> {
  const state = await docker("info", "--format", "{{.Swarm.LocalNodeState}}");
  if (state === "active") {
    if ((await docker("info", "--format", "{{.Swarm.ControlAvailable}}")) !== "true") throw new Error("this Docker engine is a swarm worker; the Swarm tests need a manager");
    return { made: false, release: async () => undefined };
  }
  if (state !== "inactive") throw new Error(`the Docker engine's swarm state is "${state}"; the Swarm tests need "active" or "inactive"`);
  const gwbridgeBefore = lines(await docker("network", "ls", "--format", "{{.Name}}")).includes("docker_gwbridge");
  try {
    await docker("swarm", "init", "--advertise-addr", "127.0.0.1");
  } catch (error) {
    // Another test run made it meanwhile: it is theirs to undo.
    if (/already part of a swarm/i.test(String((error as { stderr?: string }).stderr ?? error))) return { made: false, release: async () => undefined };
    throw error;
  }
  return {
    made: true,
    async release() {
      const services = lines(await docker("service", "ls", "-q"));
      if (services.length > 0) {
        console.warn(`Leaving the swarm this test made in place: ${services.length} service(s) still run on it`);
        return;
      }
      await docker("swarm", "leave", "--force");
      if (!gwbridgeBefore) await docker("network", "rm", "docker_gwbridge").catch(() => undefined);
    },
  };
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
