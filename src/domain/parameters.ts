/**
 * The parameter catalog: for each engine family this machine can run, the parameters a cache
 * parameter group holds, with AWS's defaults, data types, allowed values and change types, and
 * how each reaches the engine (a Redis setting, given by CONFIG SET when the change type is
 * immediate and in the node's configuration at every start; a Memcached command-line flag,
 * so every Memcached change waits for a reboot). One table serves validation (ModifyCacheParameterGroup),
 * description (DescribeCacheParameters) and application (the node spec, the parameter controller);
 * test/parameters/catalog.test.ts checks every modifiable Redis parameter against a real redis-server
 * (CONFIG SET of its default and of its limits) and every Memcached one against a real memcached.
 */

import { DEFAULT_MAXMEMORY_POLICY } from "./catalog.ts";

export type ChangeType = "immediate" | "requires-reboot";
export type ParameterDataType = "string" | "integer" | "boolean" | "float";

export interface ParameterDef {
  name: string;
  /** The value of the default group (AWS's, which is not always the engine's own). */
  value: string;
  dataType: ParameterDataType;
  /** AWS's AllowedValues text: "0-", "1-10", "yes,no", or a description of the characters. */
  allowedValues: string;
  modifiable: boolean;
  changeType: ChangeType;
  description: string;
  minimumEngineVersion: string;
  /** Enumerated values; or an inclusive integer/float range; or a pattern for strings. */
  values?: readonly string[];
  min?: number;
  max?: number;
  pattern?: RegExp;
}

const YES_NO = ["yes", "no"] as const;

function def(
  name: string,
  value: string,
  check: Pick<ParameterDef, "values" | "min" | "max" | "pattern"> & { dataType?: ParameterDataType; allowedValues?: string },
  changeType: ChangeType,
  description: string,
  extra: Partial<ParameterDef> = {},
): ParameterDef {
  const dataType = check.dataType ?? (check.values ? "string" : check.pattern ? "string" : "integer");
  const allowedValues =
    check.allowedValues ?? (check.values ? check.values.join(",") : check.min !== undefined ? `${check.min}-${check.max ?? ""}` : "");
  return { name, value, dataType, allowedValues, modifiable: true, changeType, description, minimumEngineVersion: "7.0.0", ...check, ...extra };
}

const int = (min: number, max?: number) => ({ min, max });
const yesNo = { values: YES_NO, dataType: "string" as const };

/** Redis 7 (and Valkey 7/8, which take the same settings). */
const REDIS7: readonly ParameterDef[] = [
  def("activerehashing", "yes", yesNo, "immediate", "Apply rehashing of the main hash table incrementally."),
  def("active-expire-effort", "1", int(1, 10), "immediate", "The amount of effort that Redis uses to expire keys that are no longer valid."),
  def("client-query-buffer-limit", "1073741824", int(1048576, 1073741824), "immediate", "Max size of a single client query buffer."),
  def("cluster-enabled", "no", yesNo, "requires-reboot", "Enable cluster mode (default.redis7.cluster.on has yes)."),
  def("databases", "16", int(1, 1200000), "requires-reboot", "Set the number of databases."),
  def("hash-max-listpack-entries", "128", int(0), "immediate", "The maximum number of hash entries for a listpack-encoded hash."),
  def("hash-max-listpack-value", "64", int(0), "immediate", "The threshold of biggest hash entries for a listpack-encoded hash."),
  def("hz", "10", int(1, 500), "immediate", "Background task frequency (times per second)."),
  def("latency-tracking", "yes", yesNo, "immediate", "Track per-command latency percentiles."),
  def("lazyfree-lazy-eviction", "no", yesNo, "immediate", "Performs an asynchronous delete on evictions."),
  def("lazyfree-lazy-expire", "no", yesNo, "immediate", "Performs an asynchronous delete on expired keys."),
  def("lazyfree-lazy-server-del", "no", yesNo, "immediate", "Performs an asynchronous delete for commands which update values."),
  def("lazyfree-lazy-user-del", "no", yesNo, "immediate", "DEL behaves like UNLINK."),
  def("lazyfree-lazy-user-flush", "no", yesNo, "immediate", "FLUSHALL and FLUSHDB run asynchronously by default."),
  def("lfu-decay-time", "1", int(0), "immediate", "The amount of time in minutes to decrement the key counter for the LFU policy."),
  def("lfu-log-factor", "10", int(1), "immediate", "The log factor for incrementing the key counter for the LFU policy."),
  def("list-compress-depth", "0", int(0), "immediate", "Compress depth: the number of quicklist nodes on each side left uncompressed."),
  def("list-max-listpack-size", "-2", int(-5), "immediate", "Entries (positive) or size class (-1 to -5) of each listpack of a list."),
  def(
    "maxmemory-policy",
    "volatile-lru",
    { values: ["volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random", "volatile-ttl", "noeviction"] },
    "immediate",
    "Max memory policy.",
  ),
  def("maxmemory-samples", "3", int(1), "immediate", "Max memory samples."),
  def(
    "notify-keyspace-events",
    "",
    { pattern: /^[KEg$lshzxetmdnA]*$/, allowedValues: "A string of the characters K E g $ l s h z x e t m d n A (or empty)" },
    "immediate",
    "The keyspace events for Redis to notify Pub/Sub clients about. By default all notifications are disabled.",
  ),
  def("proto-max-bulk-len", "536870912", int(1048576, 536870912), "immediate", "Max size of a single element request."),
  def("set-max-intset-entries", "512", int(0), "immediate", "The limit in the size of the set in order to use the special memory saving encoding."),
  def("slowlog-log-slower-than", "10000", int(0), "immediate", "The execution time, in microseconds, to exceed in order for the command to get logged."),
  def("slowlog-max-len", "128", int(0), "immediate", "The length of the slow log."),
  def("stream-node-max-bytes", "4096", int(0), "immediate", "The maximum size of a single node in a stream."),
  def("stream-node-max-entries", "100", int(0), "immediate", "The maximum number of items a single node in a stream can contain."),
  def("tcp-keepalive", "300", int(0), "immediate", "If non-zero, send ACKs every given number of seconds."),
  def("timeout", "0", int(0), "immediate", "Close connection if client is idle for a given number of seconds, or never if 0."),
  def("zset-max-listpack-entries", "128", int(0), "immediate", "The maximum number of sorted set entries for a listpack-encoded sorted set."),
  def("zset-max-listpack-value", "64", int(0), "immediate", "The threshold of biggest sorted set entries for a listpack-encoded sorted set."),
];

/** Memcached 1.6: every parameter is a command-line flag (see runtime/engine-config.ts MEMCACHED_FLAGS). */
const MEMCACHED16: readonly ParameterDef[] = [
  def("backlog_queue_limit", "1024", int(1, 10000), "requires-reboot", "The backlog queue limit."),
  // Not "binary": the health probe and Auto Discovery speak the ASCII protocol.
  def("binding_protocol", "auto", { values: ["auto", "ascii"] }, "requires-reboot", "The binding protocol."),
  def("cas_disabled", "0", { values: ["0", "1"], dataType: "boolean" }, "requires-reboot", "If 1 (true), check and set (CAS) operations will be disabled."),
  def("chunk_size", "48", int(1, 1000), "requires-reboot", "The minimum amount, in bytes, of space to allocate for the smallest item's key, value, and flags."),
  def("chunk_size_growth_factor", "1.25", { min: 1.01, max: 2, dataType: "float", allowedValues: "1.01-2" }, "requires-reboot", "The growth factor that controls the size of each successive memcached chunk."),
  def("error_on_memory_exhausted", "0", { values: ["0", "1"], dataType: "boolean" }, "requires-reboot", "If 1 (true), when there is no more memory to store items, memcached will return an error rather than evicting items."),
  def("max_item_size", "1048576", int(1048576, 134217728), "requires-reboot", "The size (in bytes) of the largest item that can be stored in the cache."),
  def("max_simultaneous_connections", "65000", int(3, 65000), "requires-reboot", "The maximum number of simultaneous connections.", { modifiable: false }),
].map((parameter) => ({ ...parameter, minimumEngineVersion: "1.6.6" }));

const CATALOG: Record<string, readonly ParameterDef[]> = {
  redis7: REDIS7,
  valkey7: REDIS7,
  valkey8: REDIS7,
  "memcached1.6": MEMCACHED16,
};

/** The parameters of a family, or undefined for a family without a catalog. */
export function parametersOf(family: string): readonly ParameterDef[] | undefined {
  return Object.hasOwn(CATALOG, family) ? CATALOG[family] : undefined;
}

/** A default group by name (default.<family>, default.<family>.cluster.on) with the values it sets; undefined for any other name. */
export function defaultGroupNamed(name: string): { family: string; values: Record<string, string> } | undefined {
  const match = /^default\.(.+?)(\.cluster\.on)?$/.exec(name);
  if (!match || !parametersOf(match[1]) || (match[2] && match[1].startsWith("memcached"))) return undefined;
  return { family: match[1], values: match[2] ? { "cluster-enabled": "yes" } : {} };
}

/** The default groups of a family: default.<family>, and for Redis/Valkey default.<family>.cluster.on. */
export function defaultGroupsOf(family: string): { name: string; values: Record<string, string> }[] {
  const groups = [{ name: `default.${family}`, values: {} as Record<string, string> }];
  if (!family.startsWith("memcached")) groups.push({ name: `default.${family}.cluster.on`, values: { "cluster-enabled": "yes" } });
  return groups;
}

/** Why a value is refused for a parameter, or undefined when the engine accepts it. */
export function invalidValue(parameter: ParameterDef, value: string): string | undefined {
  if (parameter.values) return parameter.values.includes(value) ? undefined : `must be one of ${parameter.values.join(", ")}`;
  if (parameter.pattern) return parameter.pattern.test(value) ? undefined : `allowed: ${parameter.allowedValues}`;
  const number = Number(value);
  const shape = parameter.dataType === "float" ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/;
  if (!shape.test(value) || !Number.isFinite(number)) return `must be ${parameter.dataType === "float" ? "a number" : "an integer"}`;
  if ((parameter.min !== undefined && number < parameter.min) || (parameter.max !== undefined && number > parameter.max)) {
    return `must be in ${parameter.allowedValues}`;
  }
  return undefined;
}

/**
 * The settings a node of this family starts with: AWS's default-group values that differ from
 * the engine's own (Redis: maxmemory-policy volatile-lru, maxmemory-samples 3), then the group's
 * own values. Memcached gets only the group's values (each a flag).
 */
export function startSettingsOf(family: string, groupValues: Record<string, string>): Record<string, string> {
  if (family.startsWith("memcached")) return { ...groupValues };
  return { "maxmemory-policy": DEFAULT_MAXMEMORY_POLICY, "maxmemory-samples": "3", ...groupValues };
}

/** Every immediate parameter's effective value in a group (its own value, else the default): what CONFIG SET makes true. */
export function liveSettingsOf(family: string, groupValues: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const parameter of parametersOf(family) ?? []) {
    if (parameter.changeType === "immediate" && parameter.modifiable) out[parameter.name] = groupValues[parameter.name] ?? parameter.value;
  }
  return out;
}
