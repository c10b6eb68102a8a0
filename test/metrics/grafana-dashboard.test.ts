/**
 * The Grafana dashboard in scripts/grafana queries only metrics that /metrics really serves: every
 * metric name in its PromQL is among the families of the control plane's registry (parsed with a
 * Prometheus text parser), so a renamed metric cannot leave a panel silently empty.
 */
import { readFileSync } from "node:fs";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { NodeMetricsBook } from "../../src/metrics/node-book.ts";
import { createMetrics } from "../../src/metrics/prometheus.ts";

const dashboard = JSON.parse(readFileSync(new URL("../../scripts/grafana/elasticache-local.json", import.meta.url), "utf8"));
const expressions: string[] = dashboard.panels.flatMap((panel: any) => panel.targets.map((target: any) => target.expr));

describe("the Grafana dashboard", () => {
  it("queries only metric families /metrics serves", async () => {
    const metrics = createMetrics({ nodes: new NodeMetricsBook(), endpointConnections: () => [] });
    const served = new Set(parsePrometheusTextFormat(await metrics.registry.metrics()).map((family) => family.name));
    const used = new Set(expressions.flatMap((expr) => expr.match(/\b(elasticache|ecl)_[a-z0-9_]+/g) ?? []).map((name) => name.replace(/_bucket$/, "")));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
  });

  it("has a panel for every ElastiCache node metric it serves, filtered by the replication group variable", () => {
    const nodeExpressions = expressions.filter((expr) => expr.includes("elasticache_"));
    for (const expr of nodeExpressions) expect(expr).toContain('replication_group=~"$replication_group"');
    for (const name of ["is_master", "cache_hit_rate_percent", "bytes_used_for_cache_bytes", "replication_lag_seconds", "curr_connections"]) {
      expect(nodeExpressions.some((expr) => expr.includes(`elasticache_${name}`))).toBe(true);
    }
  });
});
