/**
 * Command lines of the engines, as pure functions. Both runtimes use them: the process runtime
 * binds to the host port on bindHost, the Docker runtime to the engine's default port on 0.0.0.0.
 */
import { RuntimeError } from "./errors.ts";
import type { EngineKind } from "./types.ts";

/** Port the engine listens on inside a container. */
export const INTERNAL_PORT: Readonly<Record<EngineKind, number>> = Object.freeze({
  redis: 6379,
  valkey: 6379,
  memcached: 11211,
});

/** Executable name of each engine (inside images; the process runtime takes paths in its options). */
export const ENGINE_COMMAND: Readonly<Record<EngineKind, string>> = Object.freeze({
  redis: "redis-server",
  valkey: "valkey-server",
  memcached: "memcached",
});

export interface RedisArgsInput {
  port: number;
  bind: string;
  /** Working directory (RDB/AOF would go there; persistence is off). */
  dir: string;
  maxMemoryMb: number;
  /** Extra settings; they override the defaults below, except the reserved ones. */
  settings?: Record<string, string>;
}

/** Settings the runtime owns: a node must stay where the runtime put it, in the foreground. */
export const RESERVED_REDIS_SETTINGS: ReadonlySet<string> = new Set([
  "port",
  "bind",
  "dir",
  "daemonize",
  "pidfile",
  "logfile",
  "supervised",
  "include",
  "unixsocket",
]);

/**
 * redis-server/valkey-server arguments: `--key value ...`. Multi-word values ("900 1 300 10",
 * "normal 0 0 0") become separate arguments, as in a config file; an empty value stays one "" argument.
 */
export function redisArgs(input: RedisArgsInput): string[] {
  const settings: Record<string, string> = {
    port: String(input.port),
    bind: input.bind,
    "protected-mode": "no",
    daemonize: "no",
    dir: input.dir,
    logfile: "",
    save: "",
    appendonly: "no",
    "repl-diskless-sync": "yes",
    "repl-diskless-sync-delay": "0",
    maxmemory: `${Math.max(1, Math.floor(input.maxMemoryMb))}mb`,
  };
  for (const [rawKey, value] of Object.entries(input.settings ?? {})) {
    const key = rawKey.trim().toLowerCase();
    if (RESERVED_REDIS_SETTINGS.has(key)) {
      throw new RuntimeError("InvalidSpec", `Setting "${rawKey}" is managed by the runtime and cannot be overridden`);
    }
    if (!/^[a-z0-9][a-z0-9-]*$/.test(key)) throw new RuntimeError("InvalidSpec", `Invalid Redis setting name "${rawKey}"`);
    settings[key] = value;
  }
  const args: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    args.push(`--${key}`);
    const words = value.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) args.push("");
    else args.push(...words);
  }
  return args;
}

export interface MemcachedArgsInput {
  port: number;
  bind: string;
  maxMemoryMb: number;
  /** `-u user`: required when memcached starts as root (it then drops to that user). */
  user?: string;
  /** ElastiCache memcached parameters; see MEMCACHED_FLAGS. Unknown names are rejected. */
  settings?: Record<string, string>;
}

/** ElastiCache memcached parameter -> command-line flag. Boolean flags take "1"/"true"/"yes". */
export const MEMCACHED_FLAGS: Readonly<Record<string, { flag: string; boolean?: boolean }>> = Object.freeze({
  max_simultaneous_connections: { flag: "-c" },
  max_item_size: { flag: "-I" },
  chunk_size: { flag: "-n" },
  chunk_size_growth_factor: { flag: "-f" },
  num_threads: { flag: "-t" },
  backlog_queue_limit: { flag: "-b" },
  binding_protocol: { flag: "-B" },
  cas_disabled: { flag: "-C", boolean: true },
  error_on_memory_exhausted: { flag: "-M", boolean: true },
  maxconns_fast: { flag: "-o maxconns_fast", boolean: true },
  slab_reassign: { flag: "-o slab_reassign", boolean: true },
  slab_automove: { flag: "-o slab_automove=", },
  lru_crawler: { flag: "-o lru_crawler", boolean: true },
  lru_maintainer: { flag: "-o lru_maintainer", boolean: true },
  hash_algorithm: { flag: "-o hash_algorithm=" },
});

/** memcached arguments: TCP only (-U 0), memory budget, bind address, then mapped settings. */
export function memcachedArgs(input: MemcachedArgsInput): string[] {
  const args = ["-p", String(input.port), "-U", "0", "-l", input.bind, "-m", String(Math.max(1, Math.floor(input.maxMemoryMb)))];
  if (input.user) args.push("-u", input.user);
  for (const [name, value] of Object.entries(input.settings ?? {})) {
    const def = MEMCACHED_FLAGS[name.trim().toLowerCase()];
    if (!def) throw new RuntimeError("InvalidSpec", `Unsupported memcached setting "${name}"`);
    const [flag, opt] = def.flag.split(" ") as [string, string | undefined];
    if (def.boolean) {
      if (/^(1|true|yes|on)$/i.test(value.trim())) args.push(...(opt ? [flag, opt] : [flag]));
    } else if (opt) {
      args.push(flag, `${opt}${value.trim()}`);
    } else {
      args.push(flag, value.trim());
    }
  }
  return args;
}

/** Arguments for any engine (the command itself not included). */
export function engineArgs(
  engine: EngineKind,
  input: { port: number; bind: string; dir: string; maxMemoryMb: number; settings?: Record<string, string>; memcachedUser?: string },
): string[] {
  if (engine === "memcached") {
    return memcachedArgs({ port: input.port, bind: input.bind, maxMemoryMb: input.maxMemoryMb, user: input.memcachedUser, settings: input.settings });
  }
  return redisArgs(input);
}
