/**
 * One NodeRuntime of any kind for the tests every runtime must pass (node-runtime.test.ts),
 * with what differs between them: where a node's metadata can be seen from outside (to prove no
 * secret is there), whether its storage exists, and another installation's runtime beside it.
 * The Swarm harness makes a one-node swarm when none is active and undoes it at cleanup.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { DockerRuntime } from "../../src/runtime/docker/index.ts";
import { LOCAL_IMAGES, resolveImageTable } from "../../src/runtime/images.ts";
import { ProcessRuntime } from "../../src/runtime/process/index.ts";
import { SwarmRuntime } from "../../src/runtime/swarm/index.ts";
import type { NodeRuntime } from "../../src/runtime/types.ts";
import { dockerProblem, type RuntimeKind } from "../helpers/nodes.ts";
import { removeDockerObjects } from "../helpers/cleanup.ts";
import { removeSwarmObjects, useSwarm } from "../helpers/swarm.ts";

export interface Harness {
  kind: RuntimeKind;
  runtime: NodeRuntime;
  /** A runtime of another installation, on the same data directory or Docker prefix. */
  otherInstallation(): NodeRuntime;
  /** Everything about a node one can read without its files: command line, metadata, logs. */
  exposed(name: string): Promise<string>;
  /** The node's data directory or volume exists. */
  storageExists(name: string): Promise<boolean>;
  cleanup(): Promise<void>;
}

export async function makeHarness(kind: RuntimeKind, tag: string): Promise<Harness> {
  if (kind === "swarm") return swarmHarness(tag);
  return kind === "process" ? processHarness() : dockerHarness(tag);
}

/** A runtime of a new installation, and more of other installations on demand, closed together. */
function installations<R extends NodeRuntime>(make: (installationId: string) => R) {
  const made: R[] = [];
  const next = () => {
    const runtime = make(randomUUID());
    made.push(runtime);
    return runtime;
  };
  return {
    runtime: next(),
    otherInstallation: next,
    async closeAll() {
      for (const runtime of made) await runtime.close();
    },
  };
}

async function processHarness(): Promise<Harness> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ecl-rt-"));
  const { runtime, otherInstallation, closeAll } = installations(
    (installationId) =>
      new ProcessRuntime({ dataDir, installationId, redisServerPath: process.env.REDIS_SERVER ?? "redis-server", memcachedPath: process.env.MEMCACHED ?? "memcached" }),
  );
  const nodeDir = (name: string) => path.join(dataDir, "nodes", name);
  return {
    kind: "process",
    runtime,
    otherInstallation,
    async exposed(name) {
      const read = (file: string) => (existsSync(file) ? readFileSync(file, "latin1") : "");
      const pid = read(path.join(nodeDir(name), "pid")).trim();
      return [`/proc/${pid}/cmdline`, `/proc/${pid}/environ`, path.join(nodeDir(name), "node.json"), path.join(nodeDir(name), "node.log")].map(read).join("\n");
    },
    storageExists: async (name) => existsSync(path.join(nodeDir(name), "data")),
    async cleanup() {
      for (const node of await runtime.list()) await runtime.remove(node.name);
      await closeAll();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function dockerHarness(tag: string): Promise<Harness> {
  const problem = await dockerProblem();
  if (problem) throw new Error(`Docker runtime tests cannot run: ${problem}`);
  const docker = new Docker();
  const prefix = `ecl-test-${tag}${Math.random().toString(36).slice(2, 6)}-`; // unique per run: runs on one machine never meet
  await removeDockerObjects(prefix);
  const { runtime, otherInstallation, closeAll } = installations(
    (installationId) => new DockerRuntime({ images: resolveImageTable(LOCAL_IMAGES), installationId, namePrefix: prefix }),
  );
  return {
    kind: "docker",
    runtime,
    otherInstallation,
    async exposed(name) {
      const container = docker.getContainer(runtime.containerName(name));
      const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      return `${JSON.stringify(await container.inspect())}\n${logs.toString("latin1")}`;
    },
    async storageExists(name) {
      const info = await docker.getContainer(runtime.containerName(name)).inspect();
      const volume = info.Mounts.find((mount) => mount.Destination === "/data")?.Name;
      return Boolean(volume) && (await docker.getVolume(volume!).inspect().then(() => true, () => false));
    },
    async cleanup() {
      await closeAll();
      await removeDockerObjects(prefix);
    },
  };
}

async function swarmHarness(tag: string): Promise<Harness> {
  const problem = await dockerProblem();
  if (problem) throw new Error(`Swarm runtime tests cannot run: ${problem}`);
  const swarm = await useSwarm();
  const docker = new Docker();
  const prefix = `ecl-test-${tag}${Math.random().toString(36).slice(2, 6)}-`;
  const { runtime, otherInstallation, closeAll } = installations(
    (installationId) => new SwarmRuntime({ images: resolveImageTable(LOCAL_IMAGES), installationId, namePrefix: prefix }),
  );
  const byNode = (name: string) => ({ label: [`elasticache-local.prefix=${prefix}`, `elasticache-local.node=${name}`] });
  return {
    kind: "swarm",
    runtime,
    otherInstallation,
    async exposed(name) {
      // The service (spec, labels), and each task container's metadata and output.
      const parts = [JSON.stringify(await docker.getService(runtime.serviceName(name)).inspect())];
      for (const info of await docker.listContainers({ all: true, filters: byNode(name) })) {
        const container = docker.getContainer(info.Id);
        const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
        parts.push(JSON.stringify(await container.inspect()), logs.toString("latin1"));
      }
      return parts.join("\n");
    },
    storageExists: async (name) => ((await docker.listVolumes({ filters: byNode(name) })).Volumes ?? []).length > 0,
    async cleanup() {
      await closeAll();
      await removeSwarmObjects(prefix);
      await swarm.release();
    },
  };
}
