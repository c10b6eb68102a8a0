/**
 * What an engine is started with, as pure functions both runtimes use. The runtime decides the
 * placement (ports inside the node, bind address, data and files directories as the engine sees
 * them, protected mode); the spec brings the rest.
 *
 * Redis/Valkey get their whole configuration as one config text on stdin (both runtimes), never on
 * the command line: it may hold secrets (requirepass, masterauth, ACL users), and a config text
 * also lets a restart change any setting without changing the container. Every value is quoted,
 * so no value can start another line.
 * Memcached takes flags and has no secrets.
 */
import { RuntimeError } from "./errors.ts";
import type { EngineKind, NodeSpec } from "./types.ts";

/** Port the engine listens on inside a container. */
export const INTERNAL_PORT: Readonly<Record<EngineKind, number>> = Object.freeze({
  redis: 6379,
  valkey: 6379,
  memcached: 11211,
});

/**
 * Inside ports of extra ports in a container, by name: Redis' own defaults for the cluster bus
 * (port + 10000) and the conventional TLS port. Other names get 17000 + their rank among the
 * node's other unnamed extra ports (sorted by name), so a name keeps its port across restarts.
 */
export const EXTRA_INTERNAL_PORTS: Readonly<Record<string, number>> = Object.freeze({ bus: 16379, tls: 6380 });

/** Inside port of each extra port of a container. */
export function internalExtraPorts(spec: Pick<NodeSpec, "extraPorts">): Record<string, number> {
  const out: Record<string, number> = {};
  const others = (spec.extraPorts ?? []).map((extra) => extra.name).filter((name) => !(name in EXTRA_INTERNAL_PORTS));
  others.sort();
  for (const extra of spec.extraPorts ?? []) out[extra.name] = EXTRA_INTERNAL_PORTS[extra.name] ?? 17000 + others.indexOf(extra.name);
  return out;
}

/** Executable name of each engine (inside images; the process runtime takes paths in its options). */
export const ENGINE_COMMAND: Readonly<Record<EngineKind, string>> = Object.freeze({
  redis: "redis-server",
  valkey: "valkey-server",
  memcached: "memcached",
});

/** The RDB file in the data directory: BGSAVE writes it, exportDataFile reads it, dataFile becomes it. */
export const DATA_FILE_NAME = "dump.rdb";

/**
 * An RDB file holding no keys (format 6, which every Redis from 2.6 and every Valkey loads; a zero
 * checksum means "not computed"). A node started without a data file gets it in place of whatever
 * RDB an earlier BGSAVE or replica sync left in its data directory, so a restart never brings back
 * an old snapshot (in a container nothing could delete the old file; both runtimes do the same).
 */
export const EMPTY_RDB: Buffer = Buffer.concat([Buffer.from("REDIS0006", "latin1"), Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0])]);

/** Replaced in setting values by the node's files directory as the engine sees it. */
export const FILES_TOKEN = "${files}";

/** Where the runtime puts the engine. */
export interface Placement {
  /** Client port inside the node (process: the host port; Docker: INTERNAL_PORT). */
  port: number;
  /** Inside port of each extra port, by name. */
  extraPorts: Record<string, number>;
  bind: string;
  /** Data directory as the engine sees it (Redis `dir`). */
  dir: string;
  /** The node's files directory as the engine sees it: what ${files} becomes. */
  filesDir: string;
  /** Redis protected mode: on when no client from outside the host needs the node. */
  protectedMode: boolean;
  /** memcached `-u`: required when memcached starts as root (it then drops to that user). */
  memcachedUser?: string;
}

/** Settings the runtime owns: where the node listens and keeps its files, and that it runs in the foreground. */
export const RESERVED_REDIS_SETTINGS: ReadonlySet<string> = new Set([
  "port",
  "tls-port",
  "cluster-port",
  "bind",
  "dir",
  "dbfilename",
  "daemonize",
  "pidfile",
  "logfile",
  "supervised",
  "include",
  "unixsocket",
  "protected-mode",
  "replicaof",
  "slaveof",
]);

const SETTING_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

/** One config-file argument, always double-quoted (sdssplitargs' escapes), so nothing in it can end the line. */
export function quoteConfigArg(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, "utf8")) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += "\\\\";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

const words = (value: string) => value.trim().split(/\s+/).filter(Boolean);
const withFiles = (value: string, filesDir: string) => value.split(FILES_TOKEN).join(filesDir);

function settingName(rawKey: string, what: string): string {
  const key = rawKey.trim().toLowerCase();
  if (!SETTING_NAME_RE.test(key)) throw new RuntimeError("InvalidSpec", `Invalid Redis ${what} name "${rawKey}"`);
  if (RESERVED_REDIS_SETTINGS.has(key)) {
    throw new RuntimeError("InvalidSpec", `Setting "${rawKey}" is managed by the runtime and cannot be overridden`);
  }
  return key;
}

type RedisConfigSpec = Pick<NodeSpec, "name" | "maxMemoryMb" | "settings" | "secretSettings" | "extraPorts" | "tlsOnly" | "replicaOf">;

/**
 * The redis.conf of a node. Non-secret settings override the defaults (a multi-word value is several
 * arguments, as in a config file); secret settings follow, each value one argument, except the ACL
 * rules of a `user <name>` key; `replicaof` comes last.
 */
export function redisConfig(spec: RedisConfigSpec, placement: Placement): string {
  const settings = new Map<string, string[]>([
    ["port", [String(spec.tlsOnly ? 0 : placement.port)]],
    ...(spec.tlsOnly ? [["tls-port", [String(placement.port)]] as [string, string[]]] : []),
    ["bind", words(placement.bind)],
    ["protected-mode", [placement.protectedMode ? "yes" : "no"]],
    ["daemonize", ["no"]],
    ["dir", [placement.dir]],
    ["dbfilename", [DATA_FILE_NAME]],
    ["logfile", [""]],
    ["save", [""]],
    ["appendonly", ["no"]],
    ["repl-diskless-sync", ["yes"]],
    ["repl-diskless-sync-delay", ["0"]],
    ["maxmemory", [`${Math.max(1, Math.floor(spec.maxMemoryMb))}mb`]],
  ]);
  for (const extra of spec.extraPorts ?? []) {
    if (!extra.setting) continue;
    const key = extra.setting.trim().toLowerCase();
    // Only the runtime sets ports, through extra ports: any `*-port` setting but the client port's own.
    if (!SETTING_NAME_RE.test(key) || !key.endsWith("-port") || settings.has(key)) {
      throw new RuntimeError("InvalidSpec", `Extra port "${extra.name}" cannot set "${extra.setting}"`);
    }
    settings.set(key, [String(placement.extraPorts[extra.name])]);
  }
  for (const [rawKey, value] of Object.entries(spec.settings ?? {})) {
    const vs = words(withFiles(value, placement.filesDir));
    settings.set(settingName(rawKey, "setting"), vs.length === 0 ? [""] : vs);
  }
  const lines = [`# elasticache-local: node ${spec.name}; written at every start, so edits here do not last`];
  for (const [key, values] of settings) lines.push(`${key} ${values.map(quoteConfigArg).join(" ")}`);
  for (const [rawKey, value] of Object.entries(spec.secretSettings ?? {})) {
    const user = /^user\s+(\S+)$/i.exec(rawKey.trim());
    const resolved = withFiles(value, placement.filesDir);
    if (user) lines.push(`user ${quoteConfigArg(user[1])} ${words(resolved).map(quoteConfigArg).join(" ")}`);
    else lines.push(`${settingName(rawKey, "secret setting")} ${quoteConfigArg(resolved)}`);
  }
  if (spec.replicaOf) lines.push(`replicaof ${quoteConfigArg(spec.replicaOf.host)} ${quoteConfigArg(String(spec.replicaOf.port))}`);
  return `${lines.join("\n")}\n`;
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
  slab_automove: { flag: "-o slab_automove=" },
  lru_crawler: { flag: "-o lru_crawler", boolean: true },
  lru_maintainer: { flag: "-o lru_maintainer", boolean: true },
  hash_algorithm: { flag: "-o hash_algorithm=" },
});

/** memcached arguments: TCP only (-U 0), memory budget, bind address, then mapped settings. */
export function memcachedArgs(spec: Pick<NodeSpec, "maxMemoryMb" | "settings">, placement: Pick<Placement, "port" | "bind" | "filesDir" | "memcachedUser">): string[] {
  const args = ["-p", String(placement.port), "-U", "0", "-l", placement.bind, "-m", String(Math.max(1, Math.floor(spec.maxMemoryMb)))];
  if (placement.memcachedUser) args.push("-u", placement.memcachedUser);
  for (const [name, raw] of Object.entries(spec.settings ?? {})) {
    const def = MEMCACHED_FLAGS[name.trim().toLowerCase()];
    if (!def) throw new RuntimeError("InvalidSpec", `Unsupported memcached setting "${name}"`);
    const value = withFiles(raw, placement.filesDir).trim();
    const [flag, opt] = def.flag.split(" ") as [string, string | undefined];
    if (def.boolean) {
      if (/^(1|true|yes|on)$/i.test(value)) args.push(...(opt ? [flag, opt] : [flag]));
    } else if (opt) {
      args.push(flag, `${opt}${value}`);
    } else {
      args.push(flag, value);
    }
  }
  return args;
}

/** How the engine of a spec is started: its arguments, and for Redis/Valkey the config text they read on stdin. */
export interface EngineLaunch {
  /** Arguments after the executable. */
  args: string[];
  /** Redis/Valkey: the configuration (may hold secrets). */
  config?: string;
}

/** The launch of a spec's engine. Redis is told to read its config from stdin ("-"). */
export function engineLaunch(spec: NodeSpec, placement: Placement): EngineLaunch {
  if (spec.engine === "memcached") return { args: memcachedArgs(spec, placement) };
  return { args: ["-"], config: redisConfig(spec, placement) };
}

/** True when the address is a loopback one (nothing outside the host can connect). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
