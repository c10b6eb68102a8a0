import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStatsReply, parseVersionReply, stats, version } from "../../src/engines/memcached-admin.ts";
import { ProcessRuntime } from "../../src/runtime/process/index.ts";
import type { NodeHandle } from "../../src/runtime/types.ts";
import { freePorts } from "../runtime/helpers.ts";

describe("memcached reply parsing", () => {
  it("parses version", () => {
    expect(parseVersionReply("VERSION 1.6.18\r\n")).toBe("1.6.18");
    expect(parseVersionReply("VERSION 1.6")).toBeUndefined(); // incomplete
    expect(() => parseVersionReply("ERROR\r\n")).toThrow(/Unexpected/);
  });

  it("parses stats", () => {
    expect(parseStatsReply("STAT pid 12\r\nSTAT version 1.6.18\r\n")).toBeUndefined();
    expect(parseStatsReply("STAT pid 12\r\nSTAT version 1.6.18\r\nSTAT libevent 2.1.12-stable\r\nEND\r\n")).toEqual({
      pid: "12",
      version: "1.6.18",
      libevent: "2.1.12-stable",
    });
    expect(() => parseStatsReply("SERVER_ERROR out of memory\r\n")).toThrow(/SERVER_ERROR/);
  });
});

describe("memcached admin against a real memcached", () => {
  let dataDir: string;
  let rt: ProcessRuntime;
  let node: NodeHandle;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ecl-mcadmin-"));
    rt = new ProcessRuntime({ dataDir, memcachedPath: process.env.MEMCACHED ?? "memcached" });
    const [port] = await freePorts(1);
    node = await rt.start({ name: "admin-m1", engine: "memcached", engineVersion: "1.6", hostPort: port, network: "n", maxMemoryMb: 16 });
  });

  afterAll(async () => {
    await rt?.remove("admin-m1");
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("reads version and stats", async () => {
    expect(await version(node.adminAddress)).toMatch(/^1\.\d+\.\d+/);
    const s = await stats(node.adminAddress);
    expect(s.limit_maxbytes).toBe(String(16 * 1024 * 1024));
    expect(s.version).toBe(await version(node.adminAddress));
  });

  it("rejects on a refused connection and on a silent server (timeout)", async () => {
    const [deadPort] = await freePorts(1);
    await expect(version({ host: "127.0.0.1", port: deadPort })).rejects.toThrow(/ECONNREFUSED|closed/);
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen({ host: "127.0.0.1", port: 0 }, r));
    const port = (silent.address() as net.AddressInfo).port;
    const t0 = performance.now();
    await expect(version({ host: "127.0.0.1", port }, 100)).rejects.toThrow(/did not answer within 100 ms/);
    expect(performance.now() - t0).toBeLessThan(1000);
    silent.close();
  });
});
