import { describe, expect, it } from "vitest";
import { ENGINE_COMMAND, INTERNAL_PORT, engineArgs, memcachedArgs, redisArgs } from "../../src/runtime/engine-config.ts";
import { RuntimeError } from "../../src/runtime/errors.ts";

/** `--key v1 v2 --key2 ...` -> { key: "v1 v2" } (for readable assertions). */
function asMap(args: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let key = "";
  for (const a of args) {
    if (a.startsWith("--")) out[(key = a.slice(2))] = [];
    else out[key].push(a);
  }
  return out;
}

describe("redisArgs", () => {
  it("builds a non-persistent, fast-replicating node", () => {
    const args = redisArgs({ port: 7001, bind: "127.0.0.1", dir: "/data/x", maxMemoryMb: 128 });
    const m = asMap(args);
    expect(m.port).toEqual(["7001"]);
    expect(m.bind).toEqual(["127.0.0.1"]);
    expect(m.dir).toEqual(["/data/x"]);
    expect(m.save).toEqual([""]);
    expect(m.appendonly).toEqual(["no"]);
    expect(m["repl-diskless-sync"]).toEqual(["yes"]);
    expect(m["repl-diskless-sync-delay"]).toEqual(["0"]);
    expect(m.maxmemory).toEqual(["128mb"]);
    expect(m["protected-mode"]).toEqual(["no"]);
    expect(m.daemonize).toEqual(["no"]);
  });

  it("applies settings, splitting multi-word values like a config file", () => {
    const m = asMap(
      redisArgs({
        port: 1,
        bind: "0.0.0.0",
        dir: "/d",
        maxMemoryMb: 10.7,
        settings: { "maxmemory-policy": "volatile-lru", save: "900 1 300 10", "notify-keyspace-events": "", appendonly: "yes" },
      }),
    );
    expect(m["maxmemory-policy"]).toEqual(["volatile-lru"]);
    expect(m.save).toEqual(["900", "1", "300", "10"]);
    expect(m["notify-keyspace-events"]).toEqual([""]);
    expect(m.appendonly).toEqual(["yes"]);
    expect(m.maxmemory).toEqual(["10mb"]);
  });

  it("rejects settings the runtime owns and malformed names", () => {
    for (const key of ["port", "Bind", "dir", "daemonize", "logfile"]) {
      expect(() => redisArgs({ port: 1, bind: "x", dir: "/d", maxMemoryMb: 1, settings: { [key]: "1" } })).toThrow(RuntimeError);
    }
    expect(() => redisArgs({ port: 1, bind: "x", dir: "/d", maxMemoryMb: 1, settings: { "a b": "1" } })).toThrow(/Invalid Redis setting/);
  });
});

describe("memcachedArgs", () => {
  it("builds TCP-only args with memory and bind address", () => {
    expect(memcachedArgs({ port: 11311, bind: "127.0.0.1", maxMemoryMb: 64 })).toEqual(["-p", "11311", "-U", "0", "-l", "127.0.0.1", "-m", "64"]);
    expect(memcachedArgs({ port: 1, bind: "0.0.0.0", maxMemoryMb: 1, user: "nobody" })).toContain("-u");
  });

  it("maps ElastiCache parameters to flags and rejects unknown ones", () => {
    const args = memcachedArgs({
      port: 1,
      bind: "b",
      maxMemoryMb: 1,
      settings: { max_item_size: "2m", cas_disabled: "1", error_on_memory_exhausted: "0", slab_automove: "1", lru_crawler: "true" },
    });
    expect(args.join(" ")).toContain("-I 2m");
    expect(args).toContain("-C");
    expect(args).not.toContain("-M");
    expect(args.join(" ")).toContain("-o slab_automove=1");
    expect(args.join(" ")).toContain("-o lru_crawler");
    expect(() => memcachedArgs({ port: 1, bind: "b", maxMemoryMb: 1, settings: { nope: "1" } })).toThrow(/Unsupported memcached setting/);
  });
});

describe("engineArgs and tables", () => {
  it("dispatches on the engine", () => {
    expect(engineArgs("memcached", { port: 5, bind: "h", dir: "/d", maxMemoryMb: 2 })[0]).toBe("-p");
    expect(engineArgs("valkey", { port: 5, bind: "h", dir: "/d", maxMemoryMb: 2 })[0]).toBe("--port");
    expect(INTERNAL_PORT).toEqual({ redis: 6379, valkey: 6379, memcached: 11211 });
    expect(ENGINE_COMMAND.valkey).toBe("valkey-server");
  });
});
