/** The arithmetic of the ElastiCache metrics derived from two readings of a node (src/metrics/node-samples.ts). */
import { describe, expect, it } from "vitest";
import { memcachedReading, metricsOf, redisReading } from "../../src/metrics/node-samples.ts";

const info = (fields: Record<string, string | number>) =>
  "# Server\r\n" + Object.entries(fields).map(([key, value]) => `${key}:${value}`).join("\r\n") + "\r\n";

describe("metricsOf", () => {
  it("CPU and engine CPU are the CPU seconds used between the readings over the wall time, in percent", () => {
    const first = redisReading(info({ used_cpu_user: 1, used_cpu_sys: 1, used_cpu_user_main_thread: 0.5, used_cpu_sys_main_thread: 0.5, role: "master" }), 0);
    const second = redisReading(info({ used_cpu_user: 1.5, used_cpu_sys: 1.5, used_cpu_user_main_thread: 0.75, used_cpu_sys_main_thread: 0.75, role: "master" }), 10_000);
    const metrics = metricsOf(second, first);
    expect(metrics.CPUUtilization).toBeCloseTo(10);
    expect(metrics.EngineCPUUtilization).toBeCloseTo(5);
    expect(metrics.IsMaster).toBe(1);
  });

  it("the hit rate is over the lookups between the readings, or since the start when there were none", () => {
    const first = redisReading(info({ keyspace_hits: 10, keyspace_misses: 90 }), 0);
    const busy = redisReading(info({ keyspace_hits: 40, keyspace_misses: 100 }), 1000);
    expect(metricsOf(busy, first).CacheHitRate).toBeCloseTo(75);
    const quiet = redisReading(info({ keyspace_hits: 40, keyspace_misses: 100 }), 2000);
    expect(metricsOf(quiet, busy).CacheHitRate).toBeCloseTo((40 / 140) * 100);
  });

  it("keys, commands by type, memory use of the limit and replica lag come from INFO's sections", () => {
    const reading = redisReading(
      info({
        db0: "keys=3,expires=1,avg_ttl=0",
        db1: "keys=2,expires=0,avg_ttl=0",
        cmdstat_get: "calls=7,usec=1",
        cmdstat_hgetall: "calls=2,usec=1",
        cmdstat_set: "calls=4,usec=1",
        cmdstat_ping: "calls=100,usec=1",
        used_memory: 256,
        maxmemory: 1024,
        role: "slave",
        master_link_status: "up",
        master_last_io_seconds_ago: 2,
      }),
      0,
    );
    const metrics = metricsOf(reading);
    expect(metrics).toMatchObject({ CurrItems: 5, GetTypeCmds: 9, SetTypeCmds: 4, DatabaseMemoryUsagePercentage: 25, IsMaster: 0, ReplicationLag: 2 });
    expect(metrics.ReplicationBytes).toBeUndefined();
  });

  it("Memcached's stats map to the same names", () => {
    const stats = ["curr_connections 3", "get_hits 5", "get_misses 5", "curr_items 2", "bytes 10", "limit_maxbytes 100", "cmd_get 10", "cmd_set 2"]
      .map((line) => `STAT ${line}\r\n`)
      .join("") + "END\r\n";
    expect(metricsOf(memcachedReading(stats, 0))).toMatchObject({
      CurrConnections: 3,
      CacheHits: 5,
      CacheMisses: 5,
      CacheHitRate: 50,
      CurrItems: 2,
      DatabaseMemoryUsagePercentage: 10,
      GetTypeCmds: 10,
      SetTypeCmds: 2,
    });
  });
});
