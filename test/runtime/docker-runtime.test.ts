/**
 * DockerRuntime against the real Docker engine, with the images `scripts/build-images.sh` builds
 * from the host's binaries (built in beforeAll when missing). Without a Docker engine this file
 * fails on CI (CI=true) and skips locally. Everything it creates carries the name prefix PREFIX
 * (container and network names, and the elasticache-local.prefix label) and is removed at the end.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisAdmin } from "../../src/engines/redis-admin.ts";
import { DockerRuntime, LABEL } from "../../src/runtime/docker/index.ts";
import { RuntimeError } from "../../src/runtime/errors.ts";
import { LOCAL_IMAGES, resolveImageTable } from "../../src/runtime/images.ts";
import type { NodeSpec } from "../../src/runtime/types.ts";
import { removeDockerObjects } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, freePorts, memcachedSetGet, memcachedVersion, ms, redisClient, timingLog } from "./helpers.ts";

/** Unique per run: other runs of this file (other checkouts on one machine) remove their own prefix's objects. */
const PREFIX = `ecl-test-rt${Math.random().toString(36).slice(2, 6)}-`;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const docker = new Docker();
const dockerError = await docker.ping().then(
  () => undefined,
  (err: Error) => err.message,
);
const onCI = process.env.CI === "true";
if (dockerError && !onCI) {
  console.warn(`Skipping DockerRuntime tests: the Docker engine does not answer (${dockerError}). Start dockerd to run them.`);
}

const images = resolveImageTable(LOCAL_IMAGES);
const installationId = randomUUID();
const { timings, timed } = timingLog();

function spec(name: string, engine: NodeSpec["engine"], hostPort: number, extra: Partial<NodeSpec> = {}): NodeSpec {
  return { name, engine, engineVersion: engine === "memcached" ? "1.6" : "7.0", hostPort, network: "rt-net-a", maxMemoryMb: 64, ...extra };
}

const cleanup = () => removeDockerObjects(PREFIX);

// Without Docker, a local run skips this file; CI (CI=true) must have Docker, so there it fails.
describe.skipIf(Boolean(dockerError) && !onCI)("DockerRuntime", () => {
  let rt: DockerRuntime;
  const admin = new RedisAdmin();
  let redisPort: number;
  let memcachedPort: number;

  beforeAll(async () => {
    if (dockerError) throw new Error(`The Docker engine does not answer (${dockerError}); DockerRuntime tests cannot run on CI`);
  });
  beforeAll(async () => {
    const missing = [...new Set(Object.values(LOCAL_IMAGES))].filter((img) => {
      try {
        execFileSync("docker", ["image", "inspect", img], { stdio: "ignore" });
        return false;
      } catch {
        return true;
      }
    });
    if (missing.length) execFileSync("bash", [path.join(ROOT, "scripts/build-images.sh")], { stdio: "inherit", timeout: 120_000 });
    await cleanup();
    rt = new DockerRuntime({ images, installationId, namePrefix: PREFIX, logger: process.env.ECL_TEST_DEBUG ? { debug: (o, m) => console.log(m, JSON.stringify(o)) } : undefined });
  });

  afterEach(() => {
    closeRedisClients();
  });

  afterAll(async () => {
    await admin.close();
    await rt?.close();
    await cleanup();
    console.log("docker runtime timings (ms):", JSON.stringify(timings));
  });

  it("starts a redis and a memcached container that serve clients on the published ports", async () => {
    [redisPort, memcachedPort] = await freePorts(2);
    let t0 = performance.now();
    const r = await rt.start(spec("dk-r1", "redis", redisPort, { labels: { "cluster-id": "c1" } }));
    timed("start redis (incl. network create)", ms(t0));
    t0 = performance.now();
    const m = await rt.start(spec("dk-m1", "memcached", memcachedPort));
    timed("start memcached", ms(t0));

    expect(r.adminAddress).toEqual({ host: "127.0.0.1", port: redisPort });
    expect(r.clientAddress).toEqual({ host: "127.0.0.1", port: redisPort });
    expect(r.peerAddress).toEqual({ host: "dk-r1", port: 6379 });
    expect(m.peerAddress).toEqual({ host: "dk-m1", port: 11211 });

    const c = redisClient(redisPort);
    expect(await c.ping()).toBe("PONG");
    await c.set("k", "v1");
    expect(await c.get("k")).toBe("v1");
    expect(await c.config("GET", "maxmemory")).toEqual(["maxmemory", String(64 * 1024 * 1024)]);
    // Clients arrive through the bridge, not from the container's loopback.
    expect(await c.config("GET", "protected-mode")).toEqual(["protected-mode", "no"]);
    expect(await memcachedVersion(m.adminAddress)).toMatch(/^1\.6/);
    expect(await memcachedSetGet(m.adminAddress, "mk", "hello")).toBe("hello");

    const info = await docker.getContainer(rt.containerName("dk-r1")).inspect();
    expect(info.HostConfig.RestartPolicy?.Name).toBe("no");
    expect(info.Config.Labels[LABEL.node]).toBe("dk-r1");
    expect(info.Config.Labels[LABEL.installation]).toBe(installationId);
    expect(info.Config.Labels[`${LABEL.userPrefix}cluster-id`]).toBe("c1");
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([rt.networkName("rt-net-a")]);
    expect(info.NetworkSettings.Networks[rt.networkName("rt-net-a")].Aliases).toContain("dk-r1");
    expect(info.Mounts.map((mount) => [mount.Type, mount.Destination])).toEqual([["volume", "/data"]]);
  });

  it("list() shows both containers with their labels", async () => {
    const nodes = await rt.list();
    expect(nodes.map((n) => [n.name, n.running])).toEqual([
      ["dk-m1", true],
      ["dk-r1", true],
    ]);
    expect(nodes.find((n) => n.name === "dk-r1")!.labels).toEqual({ "cluster-id": "c1" });
    expect(nodes.find((n) => n.name === "dk-r1")!.adminAddress).toEqual({ host: "127.0.0.1", port: redisPort });
  });

  it("a fresh runtime adopts running containers, and restarts stopped ones, without duplicates", async () => {
    const before = (await rt.list()).find((n) => n.name === "dk-r1")!;
    const rt2 = new DockerRuntime({ images, installationId, namePrefix: PREFIX });
    let t0 = performance.now();
    const h = await rt2.start(spec("dk-r1", "redis", redisPort));
    timed("adopt running redis", ms(t0));
    expect(h.runtimeId).toBe(before.runtimeId);
    expect(await redisClient(redisPort).get("k")).toBe("v1");

    await docker.getContainer(rt.containerName("dk-m1")).stop({ t: 0 });
    t0 = performance.now();
    const hm = await rt2.start(spec("dk-m1", "memcached", memcachedPort));
    timed("adopt stopped memcached", ms(t0));
    expect(hm.runtimeId).toBe((await rt.list()).find((n) => n.name === "dk-m1")!.runtimeId);
    expect(await memcachedVersion(hm.adminAddress)).toBeTruthy();
    const all = await docker.listContainers({ all: true, filters: { label: [`${LABEL.prefix}=${PREFIX}`] } });
    expect(all.length).toBe(2);
    await rt2.close();
  });

  it("a running container whose engine never got its configuration is replaced, not adopted", async () => {
    const [port] = await freePorts(1);
    const name = "dk-unconf";
    const first = await rt.start(spec(name, "redis", port));
    const container = docker.getContainer(rt.containerName(name));
    await container.stop({ t: 0 });
    // Started with nothing attached to its stdin, `redis-server -` waits for a configuration that
    // never comes: what a control plane killed between the container's start and writing the
    // configuration leaves. Docker's port proxy accepts connections on the port and closes them.
    await container.start();
    const rt2 = new DockerRuntime({ images, installationId, namePrefix: PREFIX, readyTimeoutMs: 3_000 });
    try {
      expect((await rt2.list()).find((node) => node.name === name)).toMatchObject({ running: true, runtimeId: first.runtimeId });
      const handle = await rt2.start(spec(name, "redis", port));
      expect(handle.runtimeId).not.toBe(first.runtimeId);
      expect(await redisClient(port).ping()).toBe("PONG");
      const all = await docker.listContainers({ all: true, filters: { label: [`${LABEL.node}=${name}`, `${LABEL.prefix}=${PREFIX}`] } });
      expect(all.map((entry) => entry.Id)).toEqual([handle.runtimeId]);
    } finally {
      await rt2.close();
      await rt.remove(name);
    }
  });

  it("restart() keeps the container and its port", async () => {
    const before = (await rt.list()).find((n) => n.name === "dk-r1")!;
    const startedAt = (await docker.getContainer(rt.containerName("dk-r1")).inspect()).State.StartedAt;
    const t0 = performance.now();
    const h = await rt.restart(spec("dk-r1", "redis", redisPort));
    timed("restart redis", ms(t0));
    expect(h.runtimeId).toBe(before.runtimeId);
    expect(h.adminAddress.port).toBe(redisPort);
    expect((await docker.getContainer(rt.containerName("dk-r1")).inspect()).State.StartedAt).not.toBe(startedAt);
    expect(await redisClient(redisPort).ping()).toBe("PONG");
    await expect(rt.restart(spec("no-such-node", "redis", redisPort))).rejects.toMatchObject({ code: "NodeNotFound" });
  });

  it("kill() stops the container; list() reports it not running; kill() again is fine", async () => {
    await rt.kill("dk-m1");
    expect((await docker.getContainer(rt.containerName("dk-m1")).inspect()).State.Running).toBe(false);
    expect((await rt.list()).find((n) => n.name === "dk-m1")!.running).toBe(false);
    await rt.kill("dk-m1");
    await rt.kill("never-existed");
  });

  it("remove() deletes the containers and their volumes; removing again is fine; removeNetwork() removes the idle network", async () => {
    const volume = (await docker.getContainer(rt.containerName("dk-r1")).inspect()).Mounts[0].Name!;
    await rt.remove("dk-r1");
    await rt.remove("dk-m1");
    await rt.remove("dk-m1");
    expect(await rt.list()).toEqual([]);
    await expect(docker.getContainer(rt.containerName("dk-r1")).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await rt.removeNetwork("rt-net-a");
    await rt.removeNetwork("rt-net-a");
    await expect(docker.getNetwork(rt.networkName("rt-net-a")).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("replicates over the Docker network by alias (peerAddress)", async () => {
    const ports = await freePorts(3);
    // Two runtimes create the same network concurrently: exactly one network must result.
    const rtB = new DockerRuntime({ images, installationId, namePrefix: PREFIX });
    const t0 = performance.now();
    const [p, r1, r2] = await Promise.all(
      ports.map((port, i) => (i === 2 ? rtB : rt).start(spec(`dk-g1-000${i + 1}`, "redis", port, { network: "rt-net-b" }))),
    );
    timed("start 3 redis in parallel (incl. network create)", ms(t0));
    await rtB.close();
    const nets = (await docker.listNetworks()).filter((n) => n.Name === rt.networkName("rt-net-b"));
    expect(nets.length).toBe(1);

    const t1 = performance.now();
    await Promise.all([r1, r2].map((r) => admin.replicaOf(r.adminAddress, p.peerAddress)));
    for (const r of [r1, r2]) {
      const info = await eventually(async () => {
        const i = await admin.infoReplication(r.adminAddress);
        return i.masterLinkStatus === "up" ? i : undefined;
      }, 15_000, "master_link_status:up", 5);
      expect(info.masterHost).toBe("dk-g1-0001");
      expect(info.masterPort).toBe(6379);
    }
    timed("replication link-up (2 replicas)", ms(t1));
    const pc = redisClient(p.clientAddress.port);
    await pc.set("repl-key", "from-primary");
    expect(await pc.call("WAIT", "2", "2000")).toBe(2);
    for (const r of [r1, r2]) expect(await redisClient(r.clientAddress.port).get("repl-key")).toBe("from-primary");

    // The network is in use: removeNetwork() leaves it.
    await rt.removeNetwork("rt-net-b");
    expect((await docker.getNetwork(rt.networkName("rt-net-b")).inspect()).Name).toBe(rt.networkName("rt-net-b"));
    for (const h of [p, r1, r2]) await rt.remove(h.name);
    await rt.removeNetwork("rt-net-b");
  });

  it("derives valid, distinct Docker names from any valid name: networks named -rf, with uppercase, 255 characters long", async () => {
    const networks = ["-rf", "Subnet-GROUP", "subnet-group", `-${"a".repeat(254)}`];
    const ports = await freePorts(networks.length);
    const nodes = await Promise.all(networks.map((network, i) => rt.start(spec(`dk-name-${i}`, "memcached", ports[i], { network }))));
    const names = networks.map((network) => rt.networkName(network));
    expect(new Set(names).size).toBe(networks.length);
    for (const [i, network] of networks.entries()) {
      const info = await docker.getContainer(rt.containerName(nodes[i].name)).inspect();
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([names[i]]);
      expect(names[i].length).toBeLessThanOrEqual(128);
      expect((await docker.getNetwork(names[i]).inspect()).Labels?.[LABEL.network]).toBe(network);
      expect(await memcachedVersion(nodes[i].adminAddress)).toMatch(/^1\.6/);
    }
    for (const node of nodes) await rt.remove(node.name);
    for (const network of networks) await rt.removeNetwork(network);
    for (const name of names) await expect(docker.getNetwork(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("nodes with 63-character names (container names longer than a DNS label) replicate by alias", async () => {
    const [primaryName, replicaName] = ["p", "r"].map((c) => `${c.repeat(58)}-0001`);
    const [pPort, rPort] = await freePorts(2);
    const network = `-${"n".repeat(254)}`;
    const p = await rt.start(spec(primaryName, "redis", pPort, { network }));
    const r = await rt.start(spec(replicaName, "redis", rPort, { network, replicaOf: p.peerAddress }));
    expect(rt.containerName(primaryName).length).toBeGreaterThan(63);
    const info = await eventually(async () => {
      const i = await admin.infoReplication(r.adminAddress);
      return i.masterLinkStatus === "up" ? i : undefined;
    }, 15_000, "master_link_status:up");
    expect(info.masterHost).toBe(primaryName);
    for (const node of [p, r]) await rt.remove(node.name);
    await rt.removeNetwork(network);
  });

  it("many concurrent creators in several runtimes make exactly one network per subnet group, and attach every container to it", async () => {
    const runtimes = Array.from({ length: 4 }, () => new DockerRuntime({ images, installationId, namePrefix: PREFIX }));
    for (let round = 0; round < 4; round++) {
      const network = `race-${round}`;
      const ports = await freePorts(runtimes.length);
      const nodes = await Promise.all(runtimes.map((other, i) => other.start(spec(`dk-race-${round}-${i}`, "memcached", ports[i], { network }))));
      const nets = await docker.listNetworks({ filters: { label: [`${LABEL.installation}=${installationId}`, `${LABEL.network}=${network}`] } });
      expect(nets.map((net) => net.Name)).toEqual([rt.networkName(network)]);
      for (const node of nodes) {
        const info = await docker.getContainer(rt.containerName(node.name)).inspect();
        expect(Object.values(info.NetworkSettings.Networks).map((net) => net.NetworkID)).toEqual([nets[0].Id]);
      }
      await Promise.all(nodes.map((node) => rt.remove(node.name)));
      await rt.removeNetwork(network);
    }
    for (const other of runtimes) await other.close();
  });

  it("a volume whose container is gone is still listed (not running), so orphan removal finds it; start() reuses it", async () => {
    const [port] = await freePorts(1);
    const node = await rt.start(spec("dk-vol", "redis", port));
    const volume = (await docker.getContainer(rt.containerName("dk-vol")).inspect()).Mounts[0].Name!;
    await docker.getContainer(node.runtimeId).remove({ force: true });
    expect((await rt.list()).find((n) => n.name === "dk-vol")).toMatchObject({ running: false, runtimeId: "" });
    const again = await rt.start(spec("dk-vol", "redis", port));
    expect((await docker.getContainer(again.runtimeId).inspect()).Mounts[0].Name).toBe(volume);
    await docker.getContainer(again.runtimeId).remove({ force: true });
    await rt.remove("dk-vol");
    await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await rt.list()).map((n) => n.name)).not.toContain("dk-vol");
  });

  it("a node that never becomes ready is removed and reported with its logs", async () => {
    const [port] = await freePorts(1);
    const err = await rt.start(spec("dk-bad", "redis", port, { settings: { "maxmemory-policy": "no-such-policy" } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe("StartFailed");
    expect((err as Error).message).toMatch(/maxmemory-policy/);
    await expect(docker.getContainer(rt.containerName("dk-bad")).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await rt.remove("dk-bad");
  });

  it("a missing image that cannot be pulled names the image and the build script, and the log tells the pull", async () => {
    const told: string[] = [];
    const logger = { debug() {}, info: (_: object, msg: string) => void told.push(msg), warn: (_: object, msg: string) => void told.push(msg) };
    const rtMissing = new DockerRuntime({ images: resolveImageTable({ memcached: "localhost:1/ecl-missing:0" }), installationId, namePrefix: PREFIX, logger });
    const [port] = await freePorts(1);
    const err = await rtMissing.start(spec("dk-missing", "memcached", port)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe("ImageUnavailable");
    expect((err as Error).message).toContain("localhost:1/ecl-missing:0");
    expect((err as Error).message).toContain("bash scripts/build-images.sh");
    expect(told).toEqual(expect.arrayContaining([expect.stringMatching(/^pulling image localhost:1\/ecl-missing:0/), "image localhost:1/ecl-missing:0 could not be pulled"]));
    await rtMissing.close();
  });

  it("controlPlaneInDocker: admin address is the node's alias and internal port", async () => {
    const rtIn = new DockerRuntime({ images, installationId, namePrefix: PREFIX, controlPlaneInDocker: true, advertisedHost: "cache.local" });
    const listed = await rtIn.list();
    expect(listed).toEqual([]);
    // handle shape only (the test process is not on the network, so no node is started here)
    type Extra = { name: string; hostPort: number; internal: number };
    const h = (rtIn as unknown as { handle(n: string, id: string, e: string, p: number, x: Extra[]): unknown }).handle("x1", "id", "redis", 7000, [
      { name: "bus", hostPort: 17000, internal: 16379 },
    ]);
    expect(h).toEqual({
      name: "x1",
      runtimeId: "id",
      adminAddress: { host: "x1", port: 6379 },
      peerAddress: { host: "x1", port: 6379 },
      clientAddress: { host: "cache.local", port: 7000 },
      ports: { bus: { admin: { host: "x1", port: 16379 }, peer: { host: "x1", port: 16379 }, client: { host: "cache.local", port: 17000 } } },
    });
  });
});
