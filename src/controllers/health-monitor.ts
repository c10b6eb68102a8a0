/**
 * Probes every running node on a fixed interval over persistent connections: Redis/Valkey with
 * PING, Memcached with `version`. A node that fails `threshold` probes in a row is recorded as
 * failed (status, event) and the reconciler is woken to fail over or recover it. A crashed node
 * closes its probe connection at once: that starts quick re-probes (every FAST_RETRY_MS), so a
 * dead node is found in a few hundred milliseconds while the regular interval, which only needs to
 * find hung nodes, stays long and cheap (each probe is a syscall pair on both sides). Less often,
 * replicas are also asked INFO replication: one that claims to be a primary (an old primary come
 * back) is demoted at once.
 */
import type { Logger } from "pino";
import { event } from "../domain/events.ts";
import type { Address } from "../domain/model.ts";
import type { LineProbe } from "../engines/line-probe.ts";
import { parseReplicationInfo, type RedisAdmin } from "../engines/redis-admin.ts";
import type { Store } from "../store/index.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { NodeCertificates } from "./context.ts";
import { profileOf, replicationPeerOf } from "./node-access.ts";

export interface HealthMonitorOptions {
  store: Store;
  /** Demotes an old primary come back (REPLICAOF). */
  redis: RedisAdmin;
  redisProbe: LineProbe;
  memcachedProbe: LineProbe;
  /** The CA TLS nodes are verified with. */
  certificates?: NodeCertificates;
  intervalMs: number;
  failureThreshold: number;
  logger: Logger;
  /** Called after a node is recorded as failed. */
  onFailure(): void;
}

interface Target {
  clusterId: string;
  nodeId: string;
  engine: string;
  /** Its admin address with TLS and AUTH token as its cluster has them (a refused token still shows a live node). */
  admin: ConnectionProfile;
  /** The address replicas follow (the primary's TLS listener with transit encryption) when the store says this node is a replica. */
  primaryPeer?: Address;
}

/** How often the list of targets is re-read besides explicit refreshes. */
const REFRESH_EVERY_TICKS = 8;
/** How often a replica's role is checked (INFO replication costs more than PING). */
const ROLE_CHECK_EVERY_TICKS = 8;
/** Pause between the quick re-probes of a node whose connection closed. */
const FAST_RETRY_MS = 100;

export class HealthMonitor {
  private targets: Target[] = [];
  private readonly failures = new Map<string, number>();
  private readonly inflight = new Set<string>();
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private refreshing?: Promise<void>;

  constructor(private readonly options: HealthMonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads which nodes to probe (after a topology change). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const nodes = await this.options.store.nodes.probed();
    const primaries = new Map(nodes.filter((node) => node.role === "primary" && node.nodeGroup).map((node) => [node.nodeGroup!, node]));
    const peerOf = (primary: (typeof nodes)[number] | undefined) => {
      if (!primary?.peer) return undefined;
      try {
        return replicationPeerOf(primary, { admin: primary.admin, peer: primary.peer, tlsPeer: primary.tlsPeer });
      } catch {
        return undefined; // its TLS listener is not recorded yet: no role check until it is
      }
    };
    this.targets = nodes
      .filter((node) => node.status === "available")
      .map((node) => ({
        clusterId: node.clusterId,
        nodeId: node.nodeId,
        engine: node.engine,
        admin: node.engine === "memcached" ? node.admin : profileOf(this.options.certificates, node, node.admin),
        primaryPeer: node.role === "replica" && node.nodeGroup ? peerOf(primaries.get(node.nodeGroup)) : undefined,
      }));
  }

  /** A probe connection closed under us: probe that node again right away until it answers or fails. */
  nodeClosed(addr: Address): void {
    const target = this.targets.find((candidate) => candidate.admin.host === addr.host && candidate.admin.port === addr.port);
    if (!target) return;
    const id = `${target.clusterId}/${target.nodeId}`;
    if (this.inflight.has(id)) return;
    this.inflight.add(id);
    void (async () => {
      for (let attempt = 0; attempt < this.options.failureThreshold; attempt++) {
        try {
          await this.probe(target);
          this.failures.delete(id);
          return;
        } catch {
          await this.failed(target, id);
          if (!this.targets.includes(target)) return;
          await new Promise((resolve) => setTimeout(resolve, FAST_RETRY_MS));
        }
      }
    })().finally(() => this.inflight.delete(id));
  }

  private tick(): void {
    if (++this.ticks % REFRESH_EVERY_TICKS === 0) void this.refresh();
    for (const target of this.targets) {
      const id = `${target.clusterId}/${target.nodeId}`;
      // A probe still waiting is not stacked with another; its own timeout decides.
      if (this.inflight.has(id)) continue;
      this.inflight.add(id);
      void this.probe(target)
        .then(
          () => this.failures.delete(id),
          () => this.failed(target, id),
        )
        .finally(() => this.inflight.delete(id));
    }
  }

  private async probe(target: Target): Promise<void> {
    if (target.engine === "memcached") {
      await this.options.memcachedProbe.probe(target.admin);
      return;
    }
    await this.options.redisProbe.probe(target.admin);
    if (!target.primaryPeer || this.ticks % ROLE_CHECK_EVERY_TICKS !== 0) return;
    const info = parseReplicationInfo(await this.options.redisProbe.ask(target.admin, "INFO replication\r\n"));
    if (info.role === "master") {
      this.options.logger.warn({ node: target }, "a replica claims to be a primary; demoting it");
      await this.options.redis.replicaOf(target.admin, target.primaryPeer);
    }
  }

  private async failed(target: Target, id: string): Promise<void> {
    const count = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, count);
    if (count !== this.options.failureThreshold) return;
    this.options.logger.warn({ node: id, failures: count }, "node failed its health checks");
    try {
      // Only a node still believed available is failed here; the reconciler owns every other
      // status, and a failover in progress stops nodes on purpose (the store checks both).
      await this.options.store.nodes.markFailedIfAvailable({ clusterId: target.clusterId, nodeId: target.nodeId }, [
        event("cache-cluster", target.clusterId, `Cache node ${target.nodeId} failed its health checks`),
      ]);
    } catch (error) {
      this.options.logger.error({ err: error, node: id }, "could not record a node failure");
    }
    this.failures.delete(id);
    this.targets = this.targets.filter((candidate) => candidate !== target);
    this.options.onFailure();
  }
}
