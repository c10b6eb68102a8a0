/**
 * SwarmRuntime against a real one-node swarm (made for this file when none is active, and undone
 * after), with the images `scripts/build-images.sh` builds: what the contract tests
 * (node-runtime.test.ts) do not show. Adoption by a fresh runtime, Swarm never restarting a killed
 * node by itself, placement by zone labels, secrets replaced at every start and nothing left after
 * remove(), start failures reported at once, and the Docker runtime working beside the swarm.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import net from "node:net";
import Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisAdmin } from "../../src/engines/redis-admin.ts";
import { DockerRuntime } from "../../src/runtime/docker/index.ts";
import { RuntimeError } from "../../src/runtime/errors.ts";
import { LOCAL_IMAGES, resolveImageTable } from "../../src/runtime/images.ts";
import { SwarmRuntime } from "../../src/runtime/swarm/index.ts";
import type { NodeSpec } from "../../src/runtime/types.ts";
import { requireRuntime } from "../helpers/nodes.ts";
import { removeSwarmObjects, swarmObjects, useSwarm, type SwarmLease } from "../helpers/swarm.ts";
import { removeDockerObjects } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, freePorts, memcachedSetGet, ms, redisClient, timingLog } from "./helpers.ts";

const PREFIX = `ecl-test-sw${Math.random().toString(36).slice(2, 6)}-`;
const images = resolveImageTable(LOCAL_IMAGES);
const installationId = randomUUID();
const docker = new Docker();
const { timings, timed } = timingLog();

function spec(name: string, engine: NodeSpec["engine"], hostPort: number, extra: Partial<NodeSpec> = {}): NodeSpec {
  return { name, engine, engineVersion: engine === "memcached" ? "1.6" : "7.0", hostPort, network: "sw-net", maxMemoryMb: 64, ...extra };
}

/**
 * This run's own zone label key (ECL_SWARM_ZONE_LABEL): the zone test labels the swarm node, which
 * other test runs on the same engine share; under the default key their nodes would be constrained.
 */
const ZONE_LABEL = `elasticache-local.zone-${PREFIX.slice(0, -1)}`;
const runtime = (extra: Partial<ConstructorParameters<typeof SwarmRuntime>[0]> = {}) => new SwarmRuntime({ images, installationId, namePrefix: PREFIX, zoneLabel: ZONE_LABEL, ...extra });

/** The tasks of a node's service, newest first. */
async function tasksOf(rt: SwarmRuntime, node: string): Promise<{ ID: string; Status: { State: string } }[]> {
  const tasks = (await docker.listTasks({ filters: { service: [rt.serviceName(node)] } })) as { ID: string; CreatedAt: string; Status: { State: string } }[];
  return tasks.sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt));
}

const swarmNodeId = () => execFileSync("docker", ["info", "--format", "{{.Swarm.NodeID}}"], { encoding: "utf8" }).trim();
const nodeLabels = async () => ((await docker.getNode(swarmNodeId()).inspect()) as { Spec: { Labels?: Record<string, string> } }).Spec.Labels ?? {};

describe("SwarmRuntime", () => {
  let swarm: SwarmLease;
  let rt: SwarmRuntime;
  const admin = new RedisAdmin();

  beforeAll(async () => {
    await requireRuntime("swarm");
    swarm = await useSwarm();
    await removeSwarmObjects(PREFIX);
    rt = runtime();
  });

  afterEach(() => closeRedisClients());

  afterAll(async () => {
    await admin.close();
    await rt?.close();
    await removeSwarmObjects(PREFIX);
    await removeDockerObjects(PREFIX);
    await swarm?.release();
    console.log("SwarmRuntime timings (ms):", JSON.stringify(timings));
  });

  it("a fresh runtime (a restarted control plane) adopts a running service as it is, and starts a killed one again in the same service", async () => {
    const [port] = await freePorts(1, "0.0.0.0");
    let t0 = performance.now();
    const first = await rt.start(spec("sw-a", "redis", port));
    timed("start redis", ms(t0));
    await redisClient(port).set("k", "v1");
    const [task] = await tasksOf(rt, "sw-a");

    const rt2 = runtime();
    t0 = performance.now();
    const adopted = await rt2.start(spec("sw-a", "redis", port));
    timed("adopt running", ms(t0));
    expect(adopted.runtimeId).toBe(first.runtimeId);
    expect((await tasksOf(rt, "sw-a"))[0].ID).toBe(task.ID); // the same task: nothing restarted
    expect(await redisClient(port).get("k")).toBe("v1");

    t0 = performance.now();
    await rt2.kill("sw-a");
    timed("kill", ms(t0));
    expect((await rt2.list()).find((node) => node.name === "sw-a")?.running).toBe(false);
    const service = (await docker.getService(rt.serviceName("sw-a")).inspect()) as { Spec: { TaskTemplate: { RestartPolicy: unknown } } };
    expect(service.Spec.TaskTemplate.RestartPolicy).toMatchObject({ Condition: "none" }); // Swarm leaves recovery to the controllers

    t0 = performance.now();
    const again = await rt2.start(spec("sw-a", "redis", port));
    timed("start killed", ms(t0));
    expect(again.runtimeId).toBe(first.runtimeId);
    const tasks = await tasksOf(rt, "sw-a");
    expect(tasks[0].ID).not.toBe(task.ID);
    expect(tasks[0].Status.State).toBe("running");
    expect(await redisClient(port).dbsize()).toBe(0); // no persistence: a new task starts empty
    await rt2.close();
  });

  it("every start hands the engine new secrets and removes the node's older ones", async () => {
    const [port] = await freePorts(1, "0.0.0.0");
    const secrets = async () => (await docker.listSecrets({ filters: { label: [`elasticache-local.prefix=${PREFIX}`, "elasticache-local.node=sw-s"] } })).map((secret) => secret.ID);
    const nodeSpec = spec("sw-s", "redis", port, { secretSettings: { requirepass: "first" }, files: { "note.txt": "hello" } });
    await rt.start(nodeSpec);
    const before = await secrets();
    expect(before).toHaveLength(2); // the configuration and one file
    await rt.restart({ ...nodeSpec, secretSettings: { requirepass: "second" } });
    const after = await secrets();
    expect(after).toHaveLength(2);
    expect(after.some((id) => before.includes(id))).toBe(false);
    expect(await admin.ping({ host: "127.0.0.1", port, password: "second" })).toBeGreaterThanOrEqual(0);
    await expect(admin.ping({ host: "127.0.0.1", port, password: "first" })).rejects.toThrow(/WRONGPASS|invalid/i);
  });

  it("a memcached node serves on its published port", async () => {
    const [port] = await freePorts(1, "0.0.0.0");
    const node = await rt.start(spec("sw-m", "memcached", port));
    expect(await memcachedSetGet(node.adminAddress, "k", "v")).toBe("v");
  });

  it("zones: no constraint while no swarm node has a zone label; with labels, a node runs in its zone and a zone no node stands for is refused before anything is made", async () => {
    const [portA, portB, portC] = await freePorts(3, "0.0.0.0");
    const constraints = async (node: string) =>
      ((await docker.getService(rt.serviceName(node)).inspect()) as { Spec: { TaskTemplate: { Placement?: { Constraints?: string[] } } } }).Spec.TaskTemplate.Placement?.Constraints ?? [];
    const labelsBefore = await nodeLabels();
    expect(Object.keys(labelsBefore)).not.toContain(ZONE_LABEL);
    await rt.start(spec("sw-z0", "redis", portA, { zone: "us-east-1a" }));
    expect(await constraints("sw-z0")).toEqual([]);

    const node = docker.getNode(swarmNodeId());
    const setLabels = async (labels: Record<string, string>) => {
      const info = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
      await node.update({ _query: { version: info.Version.Index }, _body: { ...info.Spec, Labels: labels } } as object);
    };
    await setLabels({ ...labelsBefore, [ZONE_LABEL]: "us-east-1a" });
    try {
      await rt.start(spec("sw-z1", "redis", portB, { zone: "us-east-1a" }));
      expect(await constraints("sw-z1")).toEqual([`node.labels.${ZONE_LABEL}==us-east-1a`]);
      expect(await redisClient(portB).ping()).toBe("PONG");
      await expect(rt.start(spec("sw-z2", "redis", portC, { zone: "us-east-1b" }))).rejects.toMatchObject({ code: "NoPlacement" });
      expect((await rt.list()).map((n) => n.name)).not.toContain("sw-z2");
      // Labels added later do not replace a running node (its zone, not the constraint, is its shape).
      const [task] = await tasksOf(rt, "sw-z0");
      await rt.start(spec("sw-z0", "redis", portA, { zone: "us-east-1a" }));
      expect((await tasksOf(rt, "sw-z0"))[0].ID).toBe(task.ID);
    } finally {
      await setLabels(labelsBefore);
    }
  });

  it("a node whose engine exits at start fails at once with its logs, and its service is removed", async () => {
    const [port] = await freePorts(1, "0.0.0.0");
    const t0 = performance.now();
    const error = await rt.start(spec("sw-bad", "redis", port, { settings: { "maxmemory-policy": "no-such-policy" } })).catch((caught: unknown) => caught);
    timed("failed start reported", ms(t0));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ code: "StartFailed" });
    expect((error as Error).message).toMatch(/maxmemory-policy/);
    await expect(docker.getService(rt.serviceName("sw-bad")).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await rt.remove("sw-bad");
  });

  it("a host port taken by another program fails the start in the words the reconciler moves a node for", async () => {
    const [port] = await freePorts(1, "0.0.0.0");
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, "0.0.0.0", resolve));
    try {
      const error = await rt.start(spec("sw-port", "redis", port)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RuntimeError);
      // src/controllers/nodes.ts moves a node to another port on these words.
      expect((error as Error).message).toMatch(/address already in use|port is already allocated/i);
    } finally {
      squatter.close();
    }
    await rt.remove("sw-port");
  });

  it("a Docker runtime node runs beside the swarm's services on the same engine", async () => {
    const [port] = await freePorts(1, "0.0.0.0");
    const plain = new DockerRuntime({ images, installationId: randomUUID(), namePrefix: PREFIX });
    try {
      const node = await plain.start(spec("sw-plain", "redis", port));
      expect(await admin.ping(node.adminAddress)).toBeGreaterThanOrEqual(0);
      await plain.remove("sw-plain");
      await plain.removeNetwork("sw-net");
    } finally {
      await plain.close();
    }
  });

  it("remove() leaves nothing: service, task containers, volume and secrets; removeNetwork() then removes the overlay network", async () => {
    const t0 = performance.now();
    for (const node of await rt.list()) await rt.remove(node.name);
    timed("remove all", ms(t0));
    await rt.remove("sw-a"); // again: fine
    await rt.removeNetwork("sw-net");
    // A swarm manager drops a removed overlay network from its listing a moment later (seen under load).
    const empty = { services: [], containers: [], volumes: [], secrets: [], networks: [] };
    await eventually(async () => JSON.stringify(await swarmObjects(PREFIX)) === JSON.stringify(empty), 15_000, "no swarm objects left");
    expect(await swarmObjects(PREFIX)).toEqual(empty);
    expect(await rt.list()).toEqual([]);
  });
});
