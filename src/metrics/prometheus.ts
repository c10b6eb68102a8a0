/**
 * The /metrics registry (prom-client): every node's ElastiCache metrics, read from the book at
 * scrape time, and the control plane's own (API calls, reconcile passes, failovers, endpoint
 * connections, the process). Names are the CloudWatch names in Prometheus' style
 * (`CacheHits` → `elasticache_cache_hits_total`); each help text names the CloudWatch metric.
 */
import client from "prom-client";
import type { NodeMetricsBook, NodeMetricsEntry } from "./node-book.ts";

const NODE_LABELS = ["replication_group", "node_group", "cache_cluster", "cache_node", "engine", "role"] as const;

/** CloudWatch metric → Prometheus name, and whether it is a running total (a counter). */
const NODE_METRICS: Array<{ name: string; prometheus: string; counter?: boolean; unit: string }> = [
  { name: "CPUUtilization", prometheus: "cpu_utilization_percent", unit: "percent of one core used by the node's process" },
  { name: "EngineCPUUtilization", prometheus: "engine_cpu_utilization_percent", unit: "percent of one core used by the engine's main thread" },
  { name: "CurrConnections", prometheus: "curr_connections", unit: "client connections open" },
  { name: "NewConnections", prometheus: "new_connections_total", counter: true, unit: "connections accepted" },
  { name: "CacheHits", prometheus: "cache_hits_total", counter: true, unit: "successful key lookups" },
  { name: "CacheMisses", prometheus: "cache_misses_total", counter: true, unit: "unsuccessful key lookups" },
  { name: "CacheHitRate", prometheus: "cache_hit_rate_percent", unit: "hits among lookups since the previous reading" },
  { name: "Evictions", prometheus: "evictions_total", counter: true, unit: "keys evicted for the memory limit" },
  { name: "Reclaimed", prometheus: "reclaimed_total", counter: true, unit: "expired keys removed" },
  { name: "CurrItems", prometheus: "curr_items", unit: "items stored" },
  { name: "BytesUsedForCache", prometheus: "bytes_used_for_cache_bytes", unit: "bytes of memory the engine uses" },
  { name: "DatabaseMemoryUsagePercentage", prometheus: "database_memory_usage_percent", unit: "used memory as a percent of the limit" },
  { name: "ReplicationLag", prometheus: "replication_lag_seconds", unit: "how far behind its primary a replica is" },
  { name: "ReplicationBytes", prometheus: "replication_bytes", unit: "bytes a primary has sent to its replicas (replication offset)" },
  { name: "IsMaster", prometheus: "is_master", unit: "1 for a primary, 0 for a replica" },
  { name: "GetTypeCmds", prometheus: "get_type_cmds_total", counter: true, unit: "read-only commands" },
  { name: "SetTypeCmds", prometheus: "set_type_cmds_total", counter: true, unit: "write commands" },
  { name: "NetworkBytesIn", prometheus: "network_bytes_in_total", counter: true, unit: "bytes the engine read from clients" },
  { name: "NetworkBytesOut", prometheus: "network_bytes_out_total", counter: true, unit: "bytes the engine sent to clients" },
];

const labelsOf = (entry: NodeMetricsEntry) => ({
  replication_group: entry.replicationGroupId ?? "",
  node_group: entry.nodeGroupId ?? "",
  cache_cluster: entry.cacheClusterId,
  cache_node: entry.cacheNodeId,
  engine: entry.engine,
  role: entry.role ?? "",
});

export interface ControlPlaneSources {
  nodes: NodeMetricsBook;
  /** Client connections open on each endpoint, read at scrape time. */
  endpointConnections?: () => Array<{ endpoint: string; kind: string; connections: number; bytesIn?: number; bytesOut?: number }>;
  /** Whether this instance runs the controllers now (it holds the leader lease, or is alone on SQLite). */
  leader?: () => boolean;
}

export interface ControlPlaneMetrics {
  registry: client.Registry;
  /** One API call: its operation, AWS error code (or "OK") and duration. */
  apiCall(operation: string, code: string, seconds: number): void;
  reconcilePass(): void;
  failover(seconds: number | undefined): void;
}

export function createMetrics(sources: ControlPlaneSources): ControlPlaneMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "ecl_" });

  for (const metric of NODE_METRICS) {
    const help = `ElastiCache ${metric.name}: ${metric.unit}.`;
    const name = `elasticache_${metric.prometheus}`;
    const read = (set: (labels: ReturnType<typeof labelsOf>, value: number) => void) => {
      for (const entry of sources.nodes.list()) {
        const value = entry.metrics[metric.name];
        if (value !== undefined) set(labelsOf(entry), value);
      }
    };
    // A running total is mirrored into a counter (reset, then inc by the total), the rest into gauges.
    const options = { name, help, labelNames: NODE_LABELS, registers: [registry] };
    if (metric.counter) {
      new client.Counter({ ...options, collect() { this.reset(); read((labels, value) => this.inc(labels, value)); } });
    } else {
      new client.Gauge({ ...options, collect() { this.reset(); read((labels, value) => this.set(labels, value)); } });
    }
  }

  const requests = new client.Counter({
    name: "ecl_api_requests_total",
    help: "API calls (both protocols) by operation and AWS error code (OK when served).",
    labelNames: ["operation", "code"] as const,
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: "ecl_api_request_duration_seconds",
    help: "Time an operation's handler took, by operation.",
    labelNames: ["operation"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  const passes = new client.Counter({ name: "ecl_reconcile_passes_total", help: "Reconciler passes.", registers: [registry] });
  const failovers = new client.Counter({ name: "ecl_failovers_total", help: "Automatic and tested failovers completed.", registers: [registry] });
  const failoverDuration = new client.Histogram({
    name: "ecl_failover_duration_seconds",
    help: "From the first sign of a primary's death (or the election) to the endpoints following the new primary.",
    buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30],
    registers: [registry],
  });
  if (sources.endpointConnections) {
    const connections = sources.endpointConnections;
    new client.Gauge({
      name: "ecl_endpoint_connections",
      help: "Client connections open on each endpoint (primary, reader, configuration) of the control plane.",
      labelNames: ["endpoint", "kind"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { endpoint, kind, connections: count } of connections()) this.set({ endpoint, kind }, count);
      },
    });
    new client.Counter({
      name: "ecl_endpoint_bytes_total",
      help: "Bytes each endpoint forwarded: from clients to nodes (direction in) and back (out).",
      labelNames: ["endpoint", "kind", "direction"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { endpoint, kind, bytesIn, bytesOut } of connections()) {
          if (bytesIn !== undefined) this.inc({ endpoint, kind, direction: "in" }, bytesIn);
          if (bytesOut !== undefined) this.inc({ endpoint, kind, direction: "out" }, bytesOut);
        }
      },
    });
  }

  if (sources.leader) {
    const leader = sources.leader;
    new client.Gauge({
      name: "ecl_leader",
      help: "1 while this instance runs the controllers and the endpoints (the leader), else 0.",
      registers: [registry],
      collect() {
        this.set(leader() ? 1 : 0);
      },
    });
  }

  return {
    registry,
    apiCall(operation, code, seconds) {
      requests.inc({ operation, code });
      latency.observe({ operation }, seconds);
    },
    reconcilePass: () => passes.inc(),
    failover(seconds) {
      failovers.inc();
      if (seconds !== undefined) failoverDuration.observe(seconds);
    },
  };
}
