/**
 * ProcessRuntime against real redis-server and memcached processes (binaries from PATH, or
 * REDIS_SERVER / MEMCACHED to override). Every node lives under a temp dataDir removed at the end.
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisAdmin } from "../../src/engines/redis-admin.ts";
import { RuntimeError } from "../../src/runtime/errors.ts";
import { ProcessRuntime, isAlive } from "../../src/runtime/process/index.ts";
import type { NodeSpec } from "../../src/runtime/types.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, enginePids, freePorts, memcachedSetGet, memcachedStatsOf, memcachedVersion, ms, redisClient, timingLog } from "./helpers.ts";

const redisServerPath = process.env.REDIS_SERVER ?? "redis-server";
const memcachedPath = process.env.MEMCACHED ?? "memcached";

let dataDir: string;
let rt: ProcessRuntime;
const installationId = randomUUID();
const admin = new RedisAdmin();
const { timings, timed } = timingLog();

function spec(name: string, engine: NodeSpec["engine"], hostPort: number, extra: Partial<NodeSpec> = {}): NodeSpec {
  return { name, engine, engineVersion: engine === "memcached" ? "1.6" : "7.0", hostPort, network: "default", maxMemoryMb: 64, ...extra };
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ecl-proc-"));
  rt = new ProcessRuntime({ dataDir, installationId, redisServerPath, memcachedPath });
});

afterEach(() => {
  closeRedisClients();
});

afterAll(async () => {
  await admin.close();
  if (rt) {
    for (const n of await rt.list()) await rt.remove(n.name);
    await rt.close();
  }
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  console.log("process runtime timings (ms):", JSON.stringify(timings));
});

describe("ProcessRuntime", () => {
  let redisPort: number;
  let memcachedPort: number;

  it("starts a redis node and a memcached node that serve clients", async () => {
    [redisPort, memcachedPort] = await freePorts(2);
    let t0 = performance.now();
    const r = await rt.start(spec("proc-r1", "redis", redisPort, { labels: { "cluster-id": "c1" } }));
    timed("start redis", ms(t0));
    t0 = performance.now();
    const m = await rt.start(spec("proc-m1", "memcached", memcachedPort));
    timed("start memcached", ms(t0));

    for (const h of [r, m]) {
      expect(h.adminAddress).toEqual({ host: "127.0.0.1", port: h === r ? redisPort : memcachedPort });
      expect(h.peerAddress).toEqual(h.adminAddress);
      expect(h.clientAddress).toEqual(h.adminAddress);
      expect(Number(h.runtimeId)).toBeGreaterThan(0);
    }
    const c = redisClient(redisPort);
    expect(await c.ping()).toBe("PONG");
    await c.set("k", "v1");
    expect(await c.get("k")).toBe("v1");
    expect(await c.config("GET", "maxmemory")).toEqual(["maxmemory", String(64 * 1024 * 1024)]);
    expect(await c.config("GET", "repl-diskless-sync-delay")).toEqual(["repl-diskless-sync-delay", "0"]);

    expect(await memcachedVersion(m.adminAddress)).toMatch(/^\d+\.\d+/);
    expect((await memcachedStatsOf(m.adminAddress)).limit_maxbytes).toBe(String(64 * 1024 * 1024));
    expect(await memcachedSetGet(m.adminAddress, "mk", "hello")).toBe("hello");

    const dir = path.join(dataDir, "nodes", "proc-r1");
    expect(existsSync(path.join(dir, "pid"))).toBe(true);
    expect(existsSync(path.join(dir, "node.json"))).toBe(true);
  });

  it("engines drop root for an unprivileged user, Redis runs in protected mode on loopback, files are the engine's alone", async () => {
    const uidOf = (pid: string) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
    const nodes = await rt.list();
    const expected = process.getuid?.() === 0 ? Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })) : process.getuid?.();
    for (const node of nodes) expect([node.name, uidOf(node.runtimeId)]).toEqual([node.name, expected]);
    expect(await redisClient(redisPort).config("GET", "protected-mode")).toEqual(["protected-mode", "yes"]);

    const [port] = await freePorts(1);
    await rt.start(spec("proc-files", "redis", port, { files: { "secret.key": "k" } }));
    const dir = path.join(dataDir, "nodes", "proc-files");
    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(path.join(dir, "files"))).toBe(0o700);
    expect(mode(path.join(dir, "files", "secret.key"))).toBe(0o600);
    expect(mode(path.join(dir, "data"))).toBe(0o700);
    expect(statSync(path.join(dir, "files", "secret.key")).uid).toBe(expected);
    await rt.remove("proc-files");
  });

  it("list() shows both nodes, running, with their labels", async () => {
    const nodes = await rt.list();
    expect(nodes.map((n) => n.name)).toEqual(["proc-m1", "proc-r1"]);
    expect(nodes.every((n) => n.running)).toBe(true);
    expect(nodes.find((n) => n.name === "proc-r1")!.labels).toEqual({ "cluster-id": "c1" });
  });

  it("a fresh runtime on the same dataDir adopts the running processes", async () => {
    const before = (await rt.list()).find((n) => n.name === "proc-r1")!;
    const rt2 = new ProcessRuntime({ dataDir, installationId, redisServerPath, memcachedPath });
    const t0 = performance.now();
    const h = await rt2.start(spec("proc-r1", "redis", redisPort, { labels: { "cluster-id": "c1" } }));
    timed("adopt redis", ms(t0));
    expect(h.runtimeId).toBe(before.runtimeId);
    expect(enginePids("redis-server", redisPort)).toEqual([Number(h.runtimeId)]);
    const hm = await rt2.start(spec("proc-m1", "memcached", memcachedPort));
    expect(enginePids("memcached", memcachedPort)).toEqual([Number(hm.runtimeId)]);
    expect(await redisClient(redisPort).get("k")).toBe("v1"); // same process, same data
    expect((await rt2.list()).map((n) => [n.name, n.running])).toEqual([
      ["proc-m1", true],
      ["proc-r1", true],
    ]);
    await rt2.close();
  });

  it("restart() replaces the process on the same port", async () => {
    const before = (await rt.list()).find((n) => n.name === "proc-r1")!;
    const t0 = performance.now();
    const h = await rt.restart(spec("proc-r1", "redis", redisPort));
    timed("restart redis", ms(t0));
    expect(h.runtimeId).not.toBe(before.runtimeId);
    expect(h.adminAddress.port).toBe(redisPort);
    expect(enginePids("redis-server", redisPort)).toEqual([Number(h.runtimeId)]);
    const c = redisClient(redisPort);
    expect(await c.ping()).toBe("PONG");
    await expect(rt.restart(spec("no-such-node", "redis", redisPort))).rejects.toMatchObject({ code: "NodeNotFound" });
  });

  it("a runtime sharing the dataDir sees a node another one restarted as running, and can kill it", async () => {
    // Two control planes on PostgreSQL share one data directory: the follower looked once (its
    // pid is cached), the leader restarted the node since; when the follower leads, the node runs.
    const follower = new ProcessRuntime({ dataDir, installationId, redisServerPath, memcachedPath });
    try {
      const seen = (await follower.list()).find((n) => n.name === "proc-r1")!;
      expect(seen.running).toBe(true);
      const restarted = await rt.restart(spec("proc-r1", "redis", redisPort));
      expect(restarted.runtimeId).not.toBe(seen.runtimeId);
      const now = (await follower.list()).find((n) => n.name === "proc-r1")!;
      expect([now.running, now.runtimeId]).toEqual([true, restarted.runtimeId]);
      await follower.kill("proc-r1");
      expect(enginePids("redis-server", redisPort)).toEqual([]);
    } finally {
      await follower.close();
    }
    const back = await rt.start(spec("proc-r1", "redis", redisPort));
    expect(await redisClient(back.adminAddress.port).ping()).toBe("PONG");
  });

  it("kill() stops the node; list() reports it not running; kill() again is fine", async () => {
    const pid = Number((await rt.list()).find((n) => n.name === "proc-m1")!.runtimeId);
    await rt.kill("proc-m1");
    expect(enginePids("memcached", memcachedPort)).toEqual([]);
    expect(() => process.kill(pid, 0)).toThrow();
    const m = (await rt.list()).find((n) => n.name === "proc-m1")!;
    expect(m.running).toBe(false);
    expect(m.runtimeId).toBe("");
    await rt.kill("proc-m1");
    await rt.kill("never-existed");
    // start() brings it back with a new process
    const h = await rt.start(spec("proc-m1", "memcached", memcachedPort));
    expect(Number(h.runtimeId)).not.toBe(pid);
    expect(await memcachedVersion(h.adminAddress)).toBeTruthy();
  });

  it("nodes outlive the control plane process that started them", async () => {
    const [port] = await freePorts(1);
    const runtimeModule = fileURLToPath(new URL("../../src/runtime/process/index.ts", import.meta.url));
    const code = [
      `import { ProcessRuntime } from ${JSON.stringify(runtimeModule)};`,
      `const rt = new ProcessRuntime(${JSON.stringify({ dataDir, installationId, redisServerPath, memcachedPath })});`,
      `const h = await rt.start(${JSON.stringify(spec("proc-orphan", "redis", port))});`,
      `console.log(JSON.stringify(h));`,
    ].join("\n");
    // A separate Node process plays the control plane, starts a node and exits.
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 30_000 });
    const started = JSON.parse(out.trim().split("\n").pop()!);
    expect(enginePids("redis-server", port)).toEqual([Number(started.runtimeId)]);
    const observed = (await rt.list()).find((n) => n.name === "proc-orphan")!;
    expect(observed).toMatchObject({ running: true, runtimeId: started.runtimeId });
    const adopted = await rt.start(spec("proc-orphan", "redis", port));
    expect(adopted.runtimeId).toBe(started.runtimeId);
    await rt.remove("proc-orphan");
    expect(enginePids("redis-server", port)).toEqual([]);
  });

  // What a control plane killed between spawning a Redis node and writing its configuration to the
  // node's stdin leaves: a redis-server in the node's directory, alive, waiting for a configuration
  // that never comes (or, once its stdin closes, serving defaults on another port). Earlier code wrote
  // the pid file at spawn, so such a process was adopted and waited on at every reconcile pass.
  it.each([
    ["no pid file names it (a kill before the configuration was delivered)", false],
    ["its pid file names it (left by earlier code)", true],
  ])("a node process that never got its configuration is not adopted, start() replaces it: %s", async (_case, named) => {
    const [port] = await freePorts(1);
    const name = named ? "proc-unconf-named" : "proc-unconf";
    await rt.start(spec(name, "redis", port));
    await rt.kill(name);
    const stray = spawn(redisServerPath, ["-"], { cwd: path.join(dataDir, "nodes", name, "data"), stdio: ["pipe", "ignore", "ignore"], detached: true });
    await once(stray, "spawn");
    const strayPid = stray.pid!;
    if (named) writeFileSync(path.join(dataDir, "nodes", name, "pid"), `${strayPid}\n`);
    const fresh = new ProcessRuntime({ dataDir, installationId, redisServerPath, memcachedPath, readyTimeoutMs: 3_000 });
    try {
      expect((await fresh.list()).find((node) => node.name === name)).toMatchObject({ running: named });
      const handle = await fresh.start(spec(name, "redis", port));
      expect(handle.runtimeId).not.toBe(String(strayPid));
      await eventually(() => (isAlive(strayPid) ? undefined : true), 5_000, "the unconfigured process is gone");
      expect(enginePids("redis-server", port)).toEqual([Number(handle.runtimeId)]);
      expect(await redisClient(port).ping()).toBe("PONG");
      expect((await fresh.list()).find((node) => node.name === name)).toMatchObject({ running: true, runtimeId: handle.runtimeId });
    } finally {
      // Killed before its stdin closes: an unconfigured Redis must never start on the default port.
      if (isAlive(strayPid)) process.kill(strayPid, "SIGKILL");
      stray.stdin?.destroy();
      await fresh.close();
      await rt.remove(name);
    }
  });

  it("remove() leaves no process and no directory; removing again is fine", async () => {
    for (const [name, bin, port] of [
      ["proc-r1", "redis-server", redisPort],
      ["proc-m1", "memcached", memcachedPort],
    ] as const) {
      await rt.remove(name);
      expect(enginePids(bin, port)).toEqual([]);
      expect(existsSync(path.join(dataDir, "nodes", name))).toBe(false);
      await rt.remove(name);
    }
    expect(await rt.list()).toEqual([]);
  });

  it("start() fails fast with the engine's log when the port is taken, and leaves no process", async () => {
    const [port] = await freePorts(1);
    const blocker = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => blocker.listen({ host: "127.0.0.1", port }, r));
    try {
      const t0 = performance.now();
      const err = await rt.start(spec("proc-busy", "redis", port)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).code).toBe("StartFailed");
      expect((err as Error).message).toMatch(/Address already in use|bind/i);
      expect(ms(t0)).toBeLessThan(5_000);
      expect(enginePids("redis-server", port)).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(r));
      await rt.remove("proc-busy");
    }
    await expect(rt.start(spec("Bad_Name", "redis", port))).rejects.toMatchObject({ code: "InvalidSpec" });
  });

  it("replicates: 1 primary + 2 replicas link up and serve the primary's writes", async () => {
    const ports = await freePorts(3);
    const t0 = performance.now();
    const [p, r1, r2] = await Promise.all(ports.map((port, i) => rt.start(spec(`proc-g1-000${i + 1}`, "redis", port))));
    timed("start 3 redis in parallel", ms(t0));
    const t1 = performance.now();
    await Promise.all([r1, r2].map((r) => admin.replicaOf(r.adminAddress, p.peerAddress)));
    for (const r of [r1, r2]) {
      const info = await eventually(async () => {
        const i = await admin.infoReplication(r.adminAddress);
        return i.masterLinkStatus === "up" ? i : undefined;
      }, 10_000, "master_link_status:up", 5);
      expect(info.role).toBe("slave");
      expect(info.masterHost).toBe(p.peerAddress.host);
      expect(info.masterPort).toBe(p.peerAddress.port);
    }
    timed("replication link-up (2 replicas)", ms(t1));
    const primaryInfo = await eventually(async () => {
      const i = await admin.infoReplication(p.adminAddress);
      return i.connectedSlaves === 2 ? i : undefined;
    });
    expect(primaryInfo.role).toBe("master");
    expect(primaryInfo.slaves.map((s) => s.port).sort()).toEqual([r1.peerAddress.port, r2.peerAddress.port].sort());

    const pc = redisClient(p.clientAddress.port);
    await pc.set("repl-key", "from-primary");
    expect(await pc.call("WAIT", "2", "2000")).toBe(2);
    for (const r of [r1, r2]) expect(await redisClient(r.clientAddress.port).get("repl-key")).toBe("from-primary");
    const ri = await admin.infoReplication(r1.adminAddress);
    expect(ri.slaveReplOffset).toBeGreaterThan(0);

    // promote a replica
    await admin.promote(r1.adminAddress);
    expect((await admin.infoReplication(r1.adminAddress)).role).toBe("master");
    await admin.configSet(r1.adminAddress, "maxmemory-policy", "allkeys-lru");
    expect(await admin.configGet(r1.adminAddress, "maxmemory-policy")).toEqual({ "maxmemory-policy": "allkeys-lru" });

    for (const h of [p, r1, r2]) await rt.remove(h.name);
  });
});
