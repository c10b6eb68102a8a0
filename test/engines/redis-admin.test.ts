import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineProbe, REDIS_PING } from "../../src/engines/line-probe.ts";
import { RedisAdmin, parseInfo, parseInfoSections, parseReplicationInfo } from "../../src/engines/redis-admin.ts";
import { ProcessRuntime } from "../../src/runtime/process/index.ts";
import type { NodeHandle, NodeSpec } from "../../src/runtime/types.ts";
import { freePorts } from "../runtime/helpers.ts";

const MASTER_INFO = [
  "# Replication",
  "role:master",
  "connected_slaves:2",
  "slave0:ip=172.18.0.3,port=6379,state=online,offset=1234,lag=0",
  "slave1:ip=127.0.0.1,port=7002,state=wait_bgsave,offset=0,lag=1",
  "master_failover_state:no-failover",
  "master_replid:8f0e1c0c9b0b7f0b7a7d7e7c9c1e1b1a1d1c1b1a",
  "master_replid2:0000000000000000000000000000000000000000",
  "master_repl_offset:1234",
  "second_repl_offset:-1",
  "repl_backlog_active:1",
  "",
].join("\r\n");

const REPLICA_INFO = [
  "# Replication",
  "role:slave",
  "master_host:ecl-g1-0001",
  "master_port:6379",
  "master_link_status:up",
  "master_last_io_seconds_ago:1",
  "master_sync_in_progress:0",
  "slave_read_repl_offset:1234",
  "slave_repl_offset:1200",
  "slave_priority:100",
  "slave_read_only:1",
  "replica_announced:1",
  "connected_slaves:0",
  "master_replid:8f0e1c0c9b0b7f0b7a7d7e7c9c1e1b1a1d1c1b1a",
  "master_repl_offset:1234",
  "",
].join("\r\n");

describe("INFO parsing", () => {
  it("parses a primary", () => {
    const info = parseReplicationInfo(MASTER_INFO);
    expect(info).toMatchObject({ role: "master", connectedSlaves: 2, masterReplOffset: 1234 });
    expect(info.slaves).toEqual([
      { ip: "172.18.0.3", port: 6379, state: "online", offset: 1234, lag: 0 },
      { ip: "127.0.0.1", port: 7002, state: "wait_bgsave", offset: 0, lag: 1 },
    ]);
    expect(info.masterHost).toBeUndefined();
    expect(info.masterLinkStatus).toBeUndefined();
  });

  it("parses a replica", () => {
    expect(parseReplicationInfo(REPLICA_INFO)).toMatchObject({
      role: "slave",
      connectedSlaves: 0,
      masterHost: "ecl-g1-0001",
      masterPort: 6379,
      masterLinkStatus: "up",
      masterSyncInProgress: false,
      masterLastIoSecondsAgo: 1,
      slaveReplOffset: 1200,
      masterReplOffset: 1234,
      slaveReadOnly: true,
    });
    expect(parseReplicationInfo(REPLICA_INFO.replace("link_status:up", "link_status:down")).masterLinkStatus).toBe("down");
  });

  it("parses sections and flattens", () => {
    const text = "# Server\r\nredis_version:7.0.15\r\n\r\n# Memory\r\nused_memory:100\r\nmaxmemory_policy:noeviction\r\n";
    expect(parseInfoSections(text)).toEqual({ server: { redis_version: "7.0.15" }, memory: { used_memory: "100", maxmemory_policy: "noeviction" } });
    expect(parseInfo(text).maxmemory_policy).toBe("noeviction");
  });
});

describe("RedisAdmin against a real redis-server", () => {
  let dataDir: string;
  let rt: ProcessRuntime;
  let node: NodeHandle;
  let spec: NodeSpec;
  const admin = new RedisAdmin({ connectTimeoutMs: 300, commandTimeoutMs: 1000 });

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ecl-admin-"));
    rt = new ProcessRuntime({ dataDir, installationId: randomUUID(), redisServerPath: process.env.REDIS_SERVER ?? "redis-server" });
    const [port] = await freePorts(1);
    spec = { name: "admin-r1", engine: "redis", engineVersion: "7.0", hostPort: port, network: "n", maxMemoryMb: 32 };
    node = await rt.start(spec);
  });

  afterAll(async () => {
    await admin.close();
    await rt?.remove("admin-r1");
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("reuses one pooled connection per address", async () => {
    await admin.ping(node.adminAddress);
    const client = await (admin as unknown as { connection(a: unknown): Promise<{ options: unknown }> }).connection(node.adminAddress);
    const t0 = performance.now();
    const N = 200;
    await Promise.all(Array.from({ length: N }, () => admin.ping(node.adminAddress)));
    const perProbe = (performance.now() - t0) / N;
    expect(admin.size).toBe(1);
    expect(await (admin as unknown as { connection(a: unknown): Promise<unknown> }).connection(node.adminAddress)).toBe(client);
    console.log(`RedisAdmin: ${N} concurrent PINGs over one pooled connection, ${perProbe.toFixed(3)} ms/probe`);
    expect((await admin.infoReplication(node.adminAddress)).role).toBe("master");
  });

  it("fails fast on an unreachable address and keeps no connection for it", async () => {
    const [deadPort] = await freePorts(1);
    const t0 = performance.now();
    await expect(admin.ping({ host: "127.0.0.1", port: deadPort })).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(admin.size).toBe(1);
  });

  it("surfaces reply errors without dropping the connection", async () => {
    await expect(admin.configSet(node.adminAddress, "no-such-setting", "1")).rejects.toThrow(/Unknown option|unsupported/i);
    expect(admin.size).toBe(1);
    await admin.configSet(node.adminAddress, "maxmemory-policy", "volatile-lru");
    expect(await admin.configGet(node.adminAddress, "maxmemory-policy")).toEqual({ "maxmemory-policy": "volatile-lru" });
  });

  it("recovers after the node restarts (broken connection dropped, next call redials)", async () => {
    await rt.restart(spec);
    // The first call may fail on the dead pooled connection; a following one must succeed.
    await admin.ping(node.adminAddress).catch(() => undefined);
    expect(await admin.ping(node.adminAddress)).toBeGreaterThanOrEqual(0);
    expect(admin.size).toBe(1);
  });
});

describe("connection profiles against a node with a password", () => {
  let dataDir: string;
  let rt: ProcessRuntime;
  let node: NodeHandle;
  const admin = new RedisAdmin({ connectTimeoutMs: 300, commandTimeoutMs: 1000 });
  const probe = new LineProbe(REDIS_PING, 1000);

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ecl-admin-auth-"));
    rt = new ProcessRuntime({ dataDir, installationId: randomUUID(), redisServerPath: process.env.REDIS_SERVER ?? "redis-server" });
    const [port] = await freePorts(1);
    node = await rt.start({
      name: "auth-r1",
      engine: "redis",
      engineVersion: "7.0",
      hostPort: port,
      network: "n",
      maxMemoryMb: 32,
      secretSettings: { requirepass: "right", "user ops": "on >ops-pw ~* +@all" },
    });
  });

  afterAll(async () => {
    await admin.close();
    probe.close();
    await rt?.remove("auth-r1");
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("pools one connection per whole profile: a wrong password never borrows the right one's connection", async () => {
    const right = { ...node.adminAddress, password: "right" };
    const user = { ...node.adminAddress, username: "ops", password: "ops-pw" };
    expect(await admin.ping(right)).toBeGreaterThanOrEqual(0);
    expect(await admin.call(user, "ACL", "WHOAMI")).toBe("ops");
    await expect(admin.ping({ ...node.adminAddress, password: "wrong" })).rejects.toThrow(/WRONGPASS/);
    expect(admin.size).toBe(2);
    expect(await admin.call(right, "ACL", "WHOAMI")).toBe("default");
  });

  it("the line probe finds the node alive whatever the credentials, and asks only with the right ones", async () => {
    for (const profile of [node.adminAddress, { ...node.adminAddress, password: "wrong" }, { ...node.adminAddress, username: "ops", password: "ops-pw" }]) {
      await probe.probe(profile);
    }
    expect(await probe.ask({ ...node.adminAddress, username: "ops", password: "ops-pw" }, "INFO replication\r\n")).toContain("role:master");
    await expect(probe.ask({ ...node.adminAddress, password: "wrong" }, "INFO replication\r\n")).rejects.toThrow(/NOAUTH/);
  });
});
