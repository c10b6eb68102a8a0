import { describe, expect, it } from "vitest";
import {
  EMPTY_RDB,
  ENGINE_COMMAND,
  INTERNAL_PORT,
  engineLaunch,
  internalExtraPorts,
  memcachedArgs,
  quoteConfigArg,
  redisConfig,
  type Placement,
} from "../../src/runtime/engine-config.ts";
import { RuntimeError } from "../../src/runtime/errors.ts";
import type { NodeSpec } from "../../src/runtime/types.ts";

const placement: Placement = { port: 7001, extraPorts: {}, bind: "127.0.0.1", dir: "/data/x", filesDir: "/data/x/.ecl/files", protectedMode: true };
const spec = (extra: Partial<NodeSpec> = {}): NodeSpec => ({ name: "n1", engine: "redis", engineVersion: "7.0", hostPort: 7001, network: "n", maxMemoryMb: 128, ...extra });

/** Undoes quoteConfigArg (redis' sdssplitargs rules for double quotes). */
function unquote(arg: string): string {
  const bytes: number[] = [];
  const body = arg.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "\\") bytes.push(body.charCodeAt(i));
    else if (body[i + 1] === "x") bytes.push(Number.parseInt(body.slice(i + 2, (i += 3) + 1), 16));
    else bytes.push(body.charCodeAt(++i));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Config text -> [directive, ...args] per line (comments dropped), for readable assertions. */
function lines(config: string): string[][] {
  return config
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [directive, ...rest] = line.split(" ");
      return [directive, ...(rest.join(" ").match(/"(?:[^"\\]|\\.)*"/g) ?? []).map(unquote)];
    });
}

function asMap(config: string): Record<string, string[]> {
  return Object.fromEntries(lines(config).map(([key, ...args]) => [key, args]));
}

describe("redisConfig", () => {
  it("builds a non-persistent, fast-replicating node placed where the runtime says", () => {
    const m = asMap(redisConfig(spec(), placement));
    expect(m.port).toEqual(["7001"]);
    expect(m.bind).toEqual(["127.0.0.1"]);
    expect(m.dir).toEqual(["/data/x"]);
    expect(m.dbfilename).toEqual(["dump.rdb"]);
    expect(m.save).toEqual([""]);
    expect(m.appendonly).toEqual(["no"]);
    expect(m["repl-diskless-sync"]).toEqual(["yes"]);
    expect(m["repl-diskless-sync-delay"]).toEqual(["0"]);
    expect(m.maxmemory).toEqual(["128mb"]);
    expect(m["protected-mode"]).toEqual(["yes"]);
    expect(m.daemonize).toEqual(["no"]);
    expect(asMap(redisConfig(spec(), { ...placement, protectedMode: false }))["protected-mode"]).toEqual(["no"]);
  });

  it("applies settings, splitting multi-word values like a config file, with ${files} resolved", () => {
    const m = asMap(
      redisConfig(
        spec({
          maxMemoryMb: 10.7,
          settings: { "maxmemory-policy": "volatile-lru", save: "900 1 300 10", "notify-keyspace-events": "", appendonly: "yes", "tls-cert-file": "${files}/node.crt" },
        }),
        placement,
      ),
    );
    expect(m["maxmemory-policy"]).toEqual(["volatile-lru"]);
    expect(m.save).toEqual(["900", "1", "300", "10"]);
    expect(m["notify-keyspace-events"]).toEqual([""]);
    expect(m.appendonly).toEqual(["yes"]);
    expect(m.maxmemory).toEqual(["10mb"]);
    expect(m["tls-cert-file"]).toEqual(["/data/x/.ecl/files/node.crt"]);
  });

  it("rejects settings the runtime owns and malformed names", () => {
    for (const key of ["port", "Bind", "dir", "daemonize", "logfile", "tls-port", "cluster-port", "replicaof", "protected-mode", "dbfilename"]) {
      expect(() => redisConfig(spec({ settings: { [key]: "1" } }), placement)).toThrow(RuntimeError);
      expect(() => redisConfig(spec({ secretSettings: { [key]: "1" } }), placement)).toThrow(RuntimeError);
    }
    expect(() => redisConfig(spec({ settings: { "a b": "1" } }), placement)).toThrow(/Invalid Redis setting/);
    for (const setting of ["port", "maxmemory", "tls-port"]) {
      const extraPorts = [{ name: "x", hostPort: 2, setting }];
      expect(() => redisConfig(spec({ extraPorts, tlsOnly: setting === "tls-port" }), { ...placement, extraPorts: { x: 9 } })).toThrow(/cannot set/);
    }
  });

  it("keeps every secret value one argument: quotes, spaces and newlines cannot start another line", () => {
    const password = 'p w"\\\nport 1 é';
    const config = redisConfig(spec({ secretSettings: { requirepass: password, "user alice": "on >pw1 ~* +@all" } }), placement);
    expect(config.split("\n").filter((line) => line.startsWith("port "))).toHaveLength(1);
    const parsed = lines(config);
    expect(parsed).toContainEqual(["requirepass", password]);
    expect(parsed).toContainEqual(["user", "alice", "on", ">pw1", "~*", "+@all"]);
    expect(unquote(quoteConfigArg(password))).toBe(password);
  });

  it("listens on TLS only, hands extra ports to their settings, and starts as a replica", () => {
    const m = asMap(
      redisConfig(
        spec({
          tlsOnly: true,
          extraPorts: [{ name: "bus", hostPort: 17001, setting: "cluster-port" }],
          replicaOf: { host: "primary-node", port: 6379 },
        }),
        { ...placement, extraPorts: { bus: 16379 } },
      ),
    );
    expect(m.port).toEqual(["0"]);
    expect(m["tls-port"]).toEqual(["7001"]);
    expect(m["cluster-port"]).toEqual(["16379"]);
    expect(m.replicaof).toEqual(["primary-node", "6379"]);
  });

  it("gives extra ports fixed inside ports by name", () => {
    expect(internalExtraPorts({ extraPorts: [{ name: "zeta", hostPort: 1 }, { name: "bus", hostPort: 2 }, { name: "alpha", hostPort: 3 }, { name: "tls", hostPort: 4 }] })).toEqual({
      zeta: 17001,
      bus: 16379,
      alpha: 17000,
      tls: 6380,
    });
  });

  it("has an empty data file redis recognises (magic, version, EOF opcode, zero checksum)", () => {
    expect(EMPTY_RDB.subarray(0, 9).toString("latin1")).toBe("REDIS0006");
    expect(EMPTY_RDB[9]).toBe(0xff);
    expect(EMPTY_RDB.length).toBe(18);
  });
});

describe("memcachedArgs", () => {
  const mc = { port: 11311, bind: "127.0.0.1", filesDir: "/f" };

  it("builds TCP-only args with memory and bind address", () => {
    expect(memcachedArgs({ maxMemoryMb: 64 }, mc)).toEqual(["-p", "11311", "-U", "0", "-l", "127.0.0.1", "-m", "64"]);
    expect(memcachedArgs({ maxMemoryMb: 1 }, { ...mc, memcachedUser: "nobody" })).toContain("-u");
  });

  it("maps ElastiCache parameters to flags and rejects unknown ones", () => {
    const args = memcachedArgs(
      { maxMemoryMb: 1, settings: { max_item_size: "2m", cas_disabled: "1", error_on_memory_exhausted: "0", slab_automove: "1", lru_crawler: "true" } },
      mc,
    );
    expect(args.join(" ")).toContain("-I 2m");
    expect(args).toContain("-C");
    expect(args).not.toContain("-M");
    expect(args.join(" ")).toContain("-o slab_automove=1");
    expect(args.join(" ")).toContain("-o lru_crawler");
    expect(() => memcachedArgs({ maxMemoryMb: 1, settings: { nope: "1" } }, mc)).toThrow(/Unsupported memcached setting/);
  });
});

describe("engineLaunch and tables", () => {
  it("gives memcached flags, and Redis only the word to read its config from stdin", () => {
    expect(engineLaunch(spec({ engine: "memcached" }), placement)).toEqual({ args: memcachedArgs({ maxMemoryMb: 128 }, placement) });
    const redis = engineLaunch(spec({ engine: "valkey", secretSettings: { requirepass: "s3cret" } }), placement);
    expect(redis.args).toEqual(["-"]);
    expect(redis.config).toContain('requirepass "s3cret"');
    expect(INTERNAL_PORT).toEqual({ redis: 6379, valkey: 6379, memcached: 11211 });
    expect(ENGINE_COMMAND.valkey).toBe("valkey-server");
  });
});
