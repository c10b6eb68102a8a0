/**
 * Probes every running node on a fixed interval over persistent connections: Redis/Valkey with
 * PING, Memcached with `version`. A node that fails `threshold` probes in a row is recorded as
 * failed (status, event) and the reconciler is woken to fail over or recover it.
 *
 * A dead node is found in a few hundred milliseconds, whatever the moment it dies: a crashed node
 * closes its probe connection at once, and every new target is probed (so connected) as soon as
 * it is one; a closed connection, and a probe refused, reset or closed by the node's port, start
 * quick re-probes every FAST_RETRY_MS until the node answers or reaches the threshold. A probe that
 * times out or gets an unexpected reply (-LOADING) waits the regular interval before the next: a
 * hung node is told from a slow or busy one over several intervals, and the regular interval, which
 * only needs to find hung nodes, stays long and cheap (each probe is a syscall pair on both
 * sides). One probe at a time per node: a probe connection carries one request at a time.
 * Less often, replicas are also asked INFO replication: one that claims to be a primary (an old
 * primary come back) is demoted at once. Every `nodeMetrics.intervalMs`, a node that answered its
 * probe is also asked for its statistics (INFO, Memcached `stats`) on the same connection, for the
 * ElastiCache metrics (src/metrics): no extra connection, one request per node per interval.
 */
import type { Logger } from "pino";
import { event } from "../domain/events.ts";
import type { Address } from "../domain/model.ts";
import type { LineProbe } from "../engines/line-probe.ts";
import { parseReplicationInfo, type RedisAdmin } from "../engines/redis-admin.ts";
import type { Store } from "../store/index.ts";
import type { FailoverTimings } from "./failover/timings.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { NodeCertificates } from "./context.ts";
import { addressesOfNode, profileOf, replicationPeerOf } from "./node-access.ts";
import { nodeOf, primaryOf } from "../domain/topology.ts";
import type { NodeMetricsBook, NodePlace } from "../metrics/node-book.ts";
import { memcachedReading, redisReading } from "../metrics/node-samples.ts";

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
  /** Told when a node first looks dead and when it is recorded failed. */
  timings?: FailoverTimings;
  /** Where nodes' statistics go, and how often each node is asked (ECL_METRICS_INTERVAL_MS). */
  nodeMetrics?: { book: NodeMetricsBook; intervalMs: number };
}

interface Target {
  clusterId: string;
  nodeId: string;
  engine: string;
  /** Its admin address with TLS and AUTH token as its cluster has them (a refused token still shows a live node). */
  admin: ConnectionProfile;
  /** The address replicas follow (the primary's TLS listener with transit encryption) when the store says this node is a replica. */
  primaryPeer?: Address;
  /** Which group, shard, cluster and node it is, for its metrics. */
  place: NodePlace;
}

/** The INFO sections the ElastiCache metrics come from (several sections in one call: Redis 7). */
const METRICS_INFO = "INFO server clients memory stats replication cpu keyspace commandstats\r\n";

/** How often the list of targets is re-read besides explicit refreshes. */
const REFRESH_EVERY_TICKS = 8;
/** How often a replica's role is checked (INFO replication costs more than PING). */
const ROLE_CHECK_EVERY_TICKS = 8;
/** Pause between the quick re-probes of a node whose connection closed. */
const FAST_RETRY_MS = 100;

export class HealthMonitor {
  private targets: Target[] = [];
  private readonly failures = new Map<string, number>();
  /** The check running (or queued) per node, by idOf. */
  private readonly checking = new Map<string, Check>();
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private stopped = false;
  private refreshing?: Promise<void>;
  /** When each node was last asked for its statistics, by idOf. */
  private readonly readAt = new Map<string, number>();

  constructor(private readonly options: HealthMonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.refresh();
  }

  stop(): void {
    this.stopped = true;
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
    const before = this.targets;
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
        place: placeOf(node),
      }));
    this.options.nodeMetrics?.book.retain(this.targets.map((target) => target.place));
    const targetIds = new Set(this.targets.map(idOf));
    for (const id of this.readAt.keys()) if (!targetIds.has(id)) this.readAt.delete(id);
    // A new target is probed now, not at the next tick: its probe connection is then open, so a
    // death right after shows at once as that connection closing.
    for (const target of this.targets) if (!before.some((known) => sameNode(known, target))) this.check(target);
  }

  private isTarget(target: Target): boolean {
    return this.targets.some((candidate) => sameNode(candidate, target));
  }

  /** A probe connection closed under us: check that node again right away. */
  nodeClosed(addr: Address): void {
    const target = this.targets.find((candidate) => candidate.admin.host === addr.host && candidate.admin.port === addr.port);
    if (!target) return;
    this.options.timings?.signal(target.clusterId);
    this.check(target, true);
  }

  private tick(): void {
    if (++this.ticks % REFRESH_EVERY_TICKS === 0) void this.refresh();
    for (const target of this.targets) {
      // A check still running (its probe waiting, or quick re-probes) is not stacked with another.
      if (!this.checking.has(idOf(target))) this.check(target);
    }
  }

  /**
   * Probes a node after whatever check of it runs now: until it answers, or it fails the threshold
   * (quick re-probes after a lost connection, the regular interval after any other failure), or it is no
   * longer a target. A check asked for while one runs (a connection closed during a probe that had
   * just succeeded) runs after it, so no sign of death is dropped. `connectionLost`: the check
   * starts because the node closed its probe connection.
   */
  private check(target: Target, connectionLost = false): void {
    const id = idOf(target);
    const previous = this.checking.get(id);
    if (previous?.queued) {
      previous.connectionLost ||= connectionLost;
      return;
    }
    const run = async () => {
      if (previous) await previous.done;
      entry.queued = false;
      // Once the node's port refused or closed a connection in this check, it is dying, not slow:
      // every later failure is re-probed quickly too. Docker shows why: a killed container's
      // published port first closes the probe connection, then (its network gone, the port's
      // proxy still listening) lets probes hang until they time out; waiting the regular interval
      // after those timeouts was the multi-second tail of Docker failovers.
      let lost = entry.connectionLost;
      for (;;) {
        if (this.stopped || !this.isTarget(target)) return;
        try {
          await this.probe(target);
          this.failures.delete(id);
          return;
        } catch (error) {
          if (await this.failed(target, id)) return;
          lost ||= isConnectionLost(error);
          await sleep(lost ? FAST_RETRY_MS : this.options.intervalMs);
        }
      }
    };
    const entry: Check = { queued: previous !== undefined, connectionLost, done: Promise.resolve() };
    entry.done = run()
      .catch((error) => this.options.logger.error({ err: error, node: id }, "health check failed"))
      .finally(() => {
        if (this.checking.get(id) === entry) this.checking.delete(id);
      });
    this.checking.set(id, entry);
  }

  private async probe(target: Target): Promise<void> {
    if (target.engine === "memcached") {
      await this.options.memcachedProbe.probe(target.admin);
      await this.readStatistics(target);
      return;
    }
    await this.options.redisProbe.probe(target.admin);
    await this.readStatistics(target);
    if (!target.primaryPeer || this.ticks % ROLE_CHECK_EVERY_TICKS !== 0) return;
    const info = parseReplicationInfo(await this.options.redisProbe.ask(target.admin, "INFO replication\r\n"));
    if (info.role !== "master") return;
    // The targets can be older than a failover: the replica it is promoting answers master before
    // the store and this list say so. Demoting it to follow the old primary (dead, or coming back
    // empty) would make it copy that primary's dataset; so the store is asked afresh, and a node
    // group with a failover under way is left to the failover.
    const primaryPeer = await this.primaryToFollow(target);
    if (!primaryPeer) return;
    this.options.logger.warn({ node: target }, "a replica claims to be a primary; demoting it");
    await this.options.redis.replicaOf(target.admin, primaryPeer);
  }

  /** Where a node that answered master should replicate from, by the store now; undefined when it should be left alone. */
  private async primaryToFollow(target: Target): Promise<Address | undefined> {
    const { replicationGroupId, nodeGroupId } = target.place;
    if (!replicationGroupId || !nodeGroupId) return undefined;
    // A store that cannot answer now says nothing about this node, which did answer: no demotion this round.
    const group = await this.options.store.replicationGroups.get(replicationGroupId).catch(() => undefined);
    const nodeGroup = group?.nodeGroups.find((candidate) => candidate.id === nodeGroupId);
    if (!nodeGroup || nodeGroup.failover) return undefined;
    if (nodeGroup.members.find((member) => member.id === target.clusterId)?.role !== "replica") return undefined;
    const primary = primaryOf(nodeGroup);
    const addresses = primary && addressesOfNode(nodeOf(primary));
    if (!primary || !addresses) return undefined;
    try {
      return replicationPeerOf(primary, addresses);
    } catch {
      return undefined; // its TLS listener is not recorded yet
    }
  }

  /**
   * Asks a node that just answered its probe for its statistics, when its interval has passed. A
   * node that cannot answer this is no less alive: the probe said so; the next interval tries again.
   */
  private async readStatistics(target: Target): Promise<void> {
    const metrics = this.options.nodeMetrics;
    if (!metrics) return;
    const id = idOf(target);
    const now = Date.now();
    if (now - (this.readAt.get(id) ?? 0) < metrics.intervalMs) return;
    this.readAt.set(id, now);
    try {
      const reading =
        target.engine === "memcached"
          ? memcachedReading(await this.options.memcachedProbe.askUntil(target.admin, "stats\r\n", "END\r\n"), now)
          : redisReading(await this.options.redisProbe.ask(target.admin, METRICS_INFO), now);
      if (this.isTarget(target)) metrics.book.record(target.place, reading);
    } catch (error) {
      this.options.logger.debug({ err: error, node: id }, "could not read a node's statistics");
    }
  }

  /** Counts a failed probe; true when it was the last one the threshold allows (the node is then no target). */
  private async failed(target: Target, id: string): Promise<boolean> {
    const count = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, count);
    if (count === 1) this.options.timings?.signal(target.clusterId);
    if (count < this.options.failureThreshold) return false;
    // Probed as it was before a refresh changed it (restarted with TLS on or off): no failure.
    if (!this.isTarget(target)) {
      this.failures.delete(id);
      return true;
    }
    let recorded = false;
    try {
      // Only a node still believed available is failed here; the reconciler owns every other
      // status, and nodes stopped on purpose (a failover in progress, a delete) are no failure:
      // the store checks all of it, and then there is neither a warning nor an event.
      recorded = await this.options.store.nodes.markFailedIfAvailable({ clusterId: target.clusterId, nodeId: target.nodeId }, [
        event("cache-cluster", target.clusterId, `Cache node ${target.nodeId} failed its health checks`),
      ]);
      if (recorded) this.options.timings?.failed(target.clusterId);
    } catch (error) {
      this.options.logger.error({ err: error, node: id }, "could not record a node failure");
      recorded = true; // unknown: told as a failure
    }
    this.failures.delete(id);
    this.targets = this.targets.filter((candidate) => !sameNode(candidate, target));
    if (recorded) this.options.logger.warn({ node: id, failures: count }, "node failed its health checks");
    else this.options.logger.debug({ node: id }, "node stopped answering while going away or failing over on purpose");
    // Woken either way: a failover in progress may want to look again (a kick is cheap).
    this.options.onFailure();
    return true;
  }
}

interface Check {
  /** Waiting for the check before it to end. */
  queued: boolean;
  /** The node closed a probe connection: every failure of this check is re-probed quickly. */
  connectionLost: boolean;
  done: Promise<void>;
}

function placeOf(node: { clusterId: string; nodeId: string; engine: string; nodeGroup?: string }): NodePlace {
  const [replicationGroupId, nodeGroupId] = node.nodeGroup?.split("/") ?? [];
  return { cacheClusterId: node.clusterId, cacheNodeId: node.nodeId, engine: node.engine, replicationGroupId, nodeGroupId };
}

const idOf = (target: Target) => `${target.clusterId}/${target.nodeId}`;

/** The same node at the same address and protocol (a node moved to another port, or to TLS or back, is a new target). */
const sameNode = (a: Target, b: Target) =>
  idOf(a) === idOf(b) && a.admin.host === b.admin.host && a.admin.port === b.admin.port && Boolean(a.admin.tls) === Boolean(b.admin.tls);

/** A pause that never keeps the process alive. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The node's port refused, reset or closed the probe connection: nothing serves there any more, so
 * it is probed again at once. Any other failure (no answer in time, an unexpected reply such as
 * -LOADING) may be a slow or busy node and is probed again only after the regular interval.
 */
function isConnectionLost(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE" || /closed the connection/.test(String((error as Error)?.message ?? error));
}
