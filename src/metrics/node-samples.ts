/**
 * What a node's engine reports about itself, read from Redis' INFO or Memcached's `stats`, and the
 * ElastiCache metrics (CloudWatch's names and meanings) derived from two readings. Pure: the health
 * monitor asks the node on its probe connection and hands the text here.
 *
 * Counters (hits, commands, bytes) are the engine's own running totals: Prometheus takes rates of
 * them. Utilizations and the hit rate are over the time between the last two readings, as
 * CloudWatch's are over its period.
 */

/** One reading of a node. Counters are totals since the engine started. */
export interface NodeReading {
  /** Epoch ms the reading was taken. */
  at: number;
  /** CPU seconds of the engine process (user + system). */
  cpuSeconds: number;
  /** CPU seconds of the engine's main thread (Redis 7); the process's otherwise. */
  engineCpuSeconds: number;
  currConnections: number;
  newConnections: number;
  cacheHits: number;
  cacheMisses: number;
  evictions: number;
  reclaimed: number;
  currItems: number;
  bytesUsedForCache: number;
  /** The memory limit (maxmemory, -m); 0 when unlimited. */
  maxBytes: number;
  getTypeCmds: number;
  setTypeCmds: number;
  networkBytesIn: number;
  networkBytesOut: number;
  /** Redis: whether the node is a primary, how far behind a replica is, what a primary has sent. */
  isMaster?: boolean;
  replicationLagSeconds?: number;
  replicationBytes?: number;
}

/** The ElastiCache metrics of a node, by CloudWatch name. */
export type NodeMetrics = Record<string, number>;

/** Redis' INFO text as field → value ("# Section" headers and blank lines skipped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/**
 * Read-only and write commands, for GetTypeCmds / SetTypeCmds, which ElastiCache sums from
 * commandstats the same way ("get, hget, scard, lrange, and so on"). Commands outside both lists
 * (PING, INFO, CONFIG, …) count in neither, as on ElastiCache.
 */
const GET_TYPE = new Set(
  ("get mget getrange strlen getex substr exists type ttl pttl expiretime pexpiretime keys scan randomkey dbsize " +
    "hget hmget hgetall hkeys hvals hlen hexists hstrlen hscan hrandfield " +
    "lrange lindex llen lpos smembers sismember smismember scard srandmember sscan sinter sunion sdiff sintercard " +
    "zrange zrangebyscore zrevrange zrevrangebyscore zrangebylex zrevrangebylex zscore zmscore zcard zcount zlexcount zrank zrevrank zscan zrandmember zinter zunion zdiff " +
    "xrange xrevrange xlen xread xinfo xpending getbit bitcount bitpos bitfield_ro pfcount geopos geodist georadius_ro georadiusbymember_ro geosearch geohash dump object touch")
    .split(" "),
);
const SET_TYPE = new Set(
  ("set setex psetex setnx mset msetnx setrange append getset getdel incr incrby incrbyfloat decr decrby del unlink expire pexpire expireat pexpireat persist rename renamenx copy move restore " +
    "hset hsetnx hmset hdel hincrby hincrbyfloat lpush rpush lpushx rpushx lpop rpop lset lrem ltrim linsert lmove blmove blpop brpop rpoplpush brpoplpush lmpop blmpop " +
    "sadd srem spop smove sinterstore sunionstore sdiffstore zadd zrem zincrby zpopmin zpopmax bzpopmin bzpopmax zremrangebyscore zremrangebyrank zremrangebylex zrangestore zinterstore zunionstore zdiffstore zmpop bzmpop " +
    "xadd xdel xtrim xgroup xack xclaim xautoclaim xreadgroup setbit bitop bitfield pfadd pfmerge geoadd georadius georadiusbymember geosearchstore flushdb flushall")
    .split(" "),
);

const number = (value: string | undefined) => (value === undefined ? 0 : Number(value) || 0);

/** A reading from `INFO server clients memory stats replication cpu keyspace commandstats`. */
export function redisReading(info: string, at: number): NodeReading {
  const fields = parseInfo(info);
  let currItems = 0;
  let getTypeCmds = 0;
  let setTypeCmds = 0;
  for (const [name, value] of fields) {
    if (/^db\d+$/.test(name)) currItems += number(/keys=(\d+)/.exec(value)?.[1]);
    else if (name.startsWith("cmdstat_")) {
      const command = name.slice("cmdstat_".length).split("|")[0];
      const calls = number(/calls=(\d+)/.exec(value)?.[1]);
      if (GET_TYPE.has(command)) getTypeCmds += calls;
      else if (SET_TYPE.has(command)) setTypeCmds += calls;
    }
  }
  const cpuSeconds = number(fields.get("used_cpu_user")) + number(fields.get("used_cpu_sys"));
  const mainThread = fields.has("used_cpu_user_main_thread")
    ? number(fields.get("used_cpu_user_main_thread")) + number(fields.get("used_cpu_sys_main_thread"))
    : cpuSeconds;
  const isMaster = fields.get("role") === "master";
  return {
    at,
    cpuSeconds,
    engineCpuSeconds: mainThread,
    currConnections: number(fields.get("connected_clients")),
    newConnections: number(fields.get("total_connections_received")),
    cacheHits: number(fields.get("keyspace_hits")),
    cacheMisses: number(fields.get("keyspace_misses")),
    evictions: number(fields.get("evicted_keys")),
    reclaimed: number(fields.get("expired_keys")),
    currItems,
    bytesUsedForCache: number(fields.get("used_memory")),
    maxBytes: number(fields.get("maxmemory")),
    getTypeCmds,
    setTypeCmds,
    networkBytesIn: number(fields.get("total_net_input_bytes")),
    networkBytesOut: number(fields.get("total_net_output_bytes")),
    isMaster,
    // A replica whose link is down has no master_last_io_seconds_ago (-1): report how long it has been down.
    replicationLagSeconds: isMaster
      ? undefined
      : fields.get("master_link_status") === "up"
        ? Math.max(0, number(fields.get("master_last_io_seconds_ago")))
        : number(fields.get("master_link_down_since_seconds")),
    replicationBytes: isMaster && number(fields.get("connected_slaves")) > 0 ? number(fields.get("master_repl_offset")) : undefined,
  };
}

/** A reading from Memcached's `stats` reply ("STAT name value" lines, then END). */
export function memcachedReading(stats: string, at: number): NodeReading {
  const fields = new Map<string, string>();
  for (const line of stats.split("\r\n")) {
    const [tag, name, value] = line.split(" ");
    if (tag === "STAT" && name !== undefined) fields.set(name, value ?? "");
  }
  const cpuSeconds = number(fields.get("rusage_user")) + number(fields.get("rusage_system"));
  return {
    at,
    cpuSeconds,
    engineCpuSeconds: cpuSeconds,
    currConnections: number(fields.get("curr_connections")),
    newConnections: number(fields.get("total_connections")),
    cacheHits: number(fields.get("get_hits")),
    cacheMisses: number(fields.get("get_misses")),
    evictions: number(fields.get("evictions")),
    reclaimed: number(fields.get("reclaimed")),
    currItems: number(fields.get("curr_items")),
    bytesUsedForCache: number(fields.get("bytes")),
    maxBytes: number(fields.get("limit_maxbytes")),
    getTypeCmds: number(fields.get("cmd_get")),
    setTypeCmds: number(fields.get("cmd_set")),
    networkBytesIn: number(fields.get("bytes_read")),
    networkBytesOut: number(fields.get("bytes_written")),
  };
}

const percent = (part: number, whole: number) => (whole > 0 ? Math.min(100, (part / whole) * 100) : 0);

/**
 * The ElastiCache metrics of a node from its latest reading and the one before (rates and
 * utilizations over the time between them; without an earlier reading, since the engine started).
 */
export function metricsOf(latest: NodeReading, previous?: NodeReading): NodeMetrics {
  const since = previous ?? { ...latest, cpuSeconds: 0, engineCpuSeconds: 0, cacheHits: 0, cacheMisses: 0 };
  const wallSeconds = previous ? (latest.at - previous.at) / 1000 : 0;
  // No lookup between the readings: the rate since the engine started rather than a misleading 0.
  const quiet = latest.cacheHits + latest.cacheMisses === since.cacheHits + since.cacheMisses;
  const hits = quiet ? latest.cacheHits : latest.cacheHits - since.cacheHits;
  const lookups = quiet ? latest.cacheHits + latest.cacheMisses : hits + (latest.cacheMisses - since.cacheMisses);
  const metrics: NodeMetrics = {
    CPUUtilization: wallSeconds > 0 ? percent(latest.cpuSeconds - since.cpuSeconds, wallSeconds) : 0,
    EngineCPUUtilization: wallSeconds > 0 ? percent(latest.engineCpuSeconds - since.engineCpuSeconds, wallSeconds) : 0,
    CurrConnections: latest.currConnections,
    NewConnections: latest.newConnections,
    CacheHits: latest.cacheHits,
    CacheMisses: latest.cacheMisses,
    CacheHitRate: percent(hits, lookups),
    Evictions: latest.evictions,
    Reclaimed: latest.reclaimed,
    CurrItems: latest.currItems,
    BytesUsedForCache: latest.bytesUsedForCache,
    DatabaseMemoryUsagePercentage: percent(latest.bytesUsedForCache, latest.maxBytes),
    GetTypeCmds: latest.getTypeCmds,
    SetTypeCmds: latest.setTypeCmds,
    NetworkBytesIn: latest.networkBytesIn,
    NetworkBytesOut: latest.networkBytesOut,
  };
  if (latest.isMaster !== undefined) metrics.IsMaster = latest.isMaster ? 1 : 0;
  if (latest.replicationLagSeconds !== undefined) metrics.ReplicationLag = latest.replicationLagSeconds;
  if (latest.replicationBytes !== undefined) metrics.ReplicationBytes = latest.replicationBytes;
  return metrics;
}
