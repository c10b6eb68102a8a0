/**
 * The latest two readings of every node the health monitor probes, with the labels that place the
 * node (replication group, shard, cluster, node); /metrics and the dashboard read the metrics
 * derived from them. Nodes that stop being probed are dropped, so the book never outgrows the
 * nodes that exist.
 */
import { metricsOf, type NodeMetrics, type NodeReading } from "./node-samples.ts";

export interface NodePlace {
  cacheClusterId: string;
  cacheNodeId: string;
  engine: string;
  replicationGroupId?: string;
  nodeGroupId?: string;
}

export interface NodeMetricsEntry extends NodePlace {
  /** From the engine's own answer (INFO role), so it follows a failover at once; undefined for Memcached. */
  role?: "primary" | "replica";
  at: number;
  metrics: NodeMetrics;
}

const keyOf = (place: NodePlace) => `${place.cacheClusterId}/${place.cacheNodeId}`;

export class NodeMetricsBook {
  private readonly entries = new Map<string, { place: NodePlace; latest: NodeReading; previous?: NodeReading }>();

  record(place: NodePlace, reading: NodeReading): void {
    const key = keyOf(place);
    const known = this.entries.get(key);
    this.entries.set(key, { place, latest: reading, previous: known?.latest });
  }

  /** Keeps only the nodes given (the monitor's targets). */
  retain(places: NodePlace[]): void {
    const keep = new Set(places.map(keyOf));
    for (const key of this.entries.keys()) if (!keep.has(key)) this.entries.delete(key);
  }

  list(): NodeMetricsEntry[] {
    return [...this.entries.values()].map(({ place, latest, previous }) => ({
      ...place,
      ...(latest.isMaster !== undefined && { role: latest.isMaster ? ("primary" as const) : ("replica" as const) }),
      at: latest.at,
      metrics: metricsOf(latest, previous),
    }));
  }
}
