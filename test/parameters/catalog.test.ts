/**
 * The parameter catalog matches what the engines really accept: every modifiable immediate Redis
 * parameter is CONFIG SET on a real redis-server 7 to its default and to the ends of its range (or
 * each allowed value) and read back with CONFIG GET; every reboot-only Redis parameter starts a
 * real redis-server with its default and limits; every Memcached parameter starts a real
 * memcached with its default and limits as the flag the runtime maps it to, and `stats settings`
 * shows it. Values outside the catalog's rules are refused by the catalog.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { invalidValue, parametersOf, type ParameterDef } from "../../src/domain/parameters.ts";
import { memcachedArgs } from "../../src/runtime/engine-config.ts";
import { eventually } from "../helpers/eventually.ts";
import { memcachedRaw } from "../helpers/nodes.ts";
import { freePort } from "../helpers/server.ts";

const REDIS = parametersOf("redis7")!;
const MEMCACHED = parametersOf("memcached1.6")!;
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) child.kill("SIGKILL");
});

/** The values worth trying: the default, each allowed value, the ends of the range. */
function samples(parameter: ParameterDef): string[] {
  const values = new Set([parameter.value]);
  for (const value of parameter.values ?? []) values.add(value);
  if (parameter.min !== undefined) values.add(String(parameter.min));
  if (parameter.max !== undefined) values.add(String(parameter.max));
  if (parameter.pattern) values.add("KEA");
  return [...values];
}

async function startRedis(args: string[]): Promise<Redis> {
  const port = await freePort();
  // A directory of its own: with cluster-enabled yes, redis-server writes nodes.conf where it runs.
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-catalog-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, ...args], { stdio: "ignore" });
  child.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  started.push(child);
  const client = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on("error", () => {});
  await eventually(async () => (await client.connect().then(() => true, () => false)) && client.status === "ready", 10_000, "redis-server up");
  return client;
}

describe("Redis 7 parameters on a real redis-server", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await startRedis([]);
  });
  afterAll(() => redis?.disconnect());

  const immediate = REDIS.filter((parameter) => parameter.modifiable && parameter.changeType === "immediate");
  it.each(immediate.map((parameter) => [parameter.name, parameter] as const))("%s: CONFIG SET takes every sample value", async (_name, parameter) => {
    for (const value of samples(parameter)) {
      expect(invalidValue(parameter, value)).toBeUndefined();
      expect(await redis.call("CONFIG", "SET", parameter.name, value)).toBe("OK");
      const [, got] = (await redis.call("CONFIG", "GET", parameter.name)) as string[];
      // Redis gives keyspace event flags back in its own order.
      const canonical = (text: string) => (parameter.name === "notify-keyspace-events" ? [...text].sort().join("") : text);
      expect(canonical(got)).toBe(canonical(value));
    }
    await redis.call("CONFIG", "SET", parameter.name, parameter.value);
  });

  const reboot = REDIS.filter((parameter) => parameter.changeType === "requires-reboot");
  it.each(reboot.map((parameter) => [parameter.name, parameter] as const))("%s: CONFIG SET refuses it (a reboot applies it) and a start takes it", async (_name, parameter) => {
    await expect(redis.call("CONFIG", "SET", parameter.name, parameter.value)).rejects.toThrow(/immutable|protected/i);
    for (const value of samples(parameter).filter((v) => !(parameter.name === "databases" && Number(v) > 100000))) {
      const node = await startRedis([`--${parameter.name}`, value]);
      const [, got] = (await node.call("CONFIG", "GET", parameter.name)) as string[];
      expect(got).toBe(value);
      node.disconnect();
    }
  });

  it("the catalog refuses what it must: unknown enum values, numbers out of range, non-numbers, bad event letters", () => {
    const byName = (name: string) => REDIS.find((parameter) => parameter.name === name)!;
    expect(invalidValue(byName("maxmemory-policy"), "lru-please")).toBeDefined();
    expect(invalidValue(byName("timeout"), "-1")).toBeDefined();
    expect(invalidValue(byName("timeout"), "ten")).toBeDefined();
    expect(invalidValue(byName("hz"), "501")).toBeDefined();
    expect(invalidValue(byName("notify-keyspace-events"), "KEQ")).toBeDefined();
    expect(invalidValue(byName("notify-keyspace-events"), "")).toBeUndefined();
  });
});

describe("Memcached 1.6 parameters on a real memcached", () => {
  const settingName: Record<string, string> = {
    backlog_queue_limit: "tcp_backlog",
    binding_protocol: "binding_protocol",
    cas_disabled: "cas_enabled",
    chunk_size: "chunk_size",
    chunk_size_growth_factor: "growth_factor",
    error_on_memory_exhausted: "evictions",
    max_item_size: "item_size_max",
    max_simultaneous_connections: "maxconns",
  };
  const expectedSetting = (name: string, value: string): string => {
    if (name === "cas_disabled") return value === "1" ? "no" : "yes";
    if (name === "error_on_memory_exhausted") return value === "1" ? "off" : "on";
    if (name === "binding_protocol") return value === "auto" ? "auto-negotiate" : value;
    if (name === "chunk_size_growth_factor") return Number(value).toFixed(2);
    return value;
  };

  it.each(MEMCACHED.filter((parameter) => parameter.modifiable).map((parameter) => [parameter.name, parameter] as const))("%s: memcached starts with each sample value as its flag", async (name, parameter) => {
    for (const value of samples(parameter)) {
      expect(invalidValue(parameter, value)).toBeUndefined();
      const port = await freePort();
      const placement = { port, bind: "127.0.0.1", filesDir: "/nonexistent", memcachedUser: process.getuid?.() === 0 ? "nobody" : undefined };
      const child = spawn("memcached", memcachedArgs({ maxMemoryMb: 512, settings: { [name]: value } }, placement), { stdio: "ignore" });
      started.push(child);
      const settings = await eventually(async () => {
        const reply = await memcachedRaw({ Address: "127.0.0.1", Port: port }, "stats settings\r\n", (text) => text.endsWith("END\r\n"));
        return Object.fromEntries(reply.split("\r\n").filter((line) => line.startsWith("STAT ")).map((line) => line.split(" ").slice(1, 3)));
      }, 10_000, "stats settings");
      expect(settings[settingName[name]], `${name}=${value}`).toBe(expectedSetting(name, value));
      child.kill("SIGKILL");
    }
  });
});
