/**
 * Drives the runtime toward the desired state in the database. A pass runs on every kick (a
 * service changed something) and on a fixed resync interval; it observes the runtime once,
 * then reconciles every resource that needs work, each resource by at most one worker at a
 * time, and removes nodes no row asks for (left by a crash). Because every step is idempotent
 * and the database is the only memory, a restart simply runs the next pass.
 */
import type { Logger } from "pino";
import { TRANSITIONAL_STATUSES as TRANSITIONAL } from "../domain/statuses.ts";
import { reconcileCluster } from "./cluster-reconciler.ts";
import type { ControllerContext, Observed } from "./context.ts";
import { reconcileGroup } from "./group-reconciler.ts";
import { Kicker } from "./kicker.ts";

export interface ReconcilerOptions {
  intervalMs: number;
  logger: Logger;
  /** Told at the start of every pass (the ecl_reconcile_passes_total metric). */
  onPass?: () => void;
}

export class Reconciler {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly rerun = new Set<string>();
  private readonly kicker: Kicker;
  private passRunning?: Promise<void>;
  private passAgain = false;

  constructor(
    private readonly work: ControllerContext,
    private readonly options: ReconcilerOptions,
  ) {
    this.kicker = new Kicker(() => void this.pass(), options.intervalMs);
  }

  start(): void {
    this.kicker.start();
  }

  /** Asks for a pass soon; many kicks in one tick make one pass. */
  kick(): void {
    this.kicker.kick();
  }

  /** Resolves when no pass and no resource worker is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.passRunning || this.inflight.size > 0) {
      await Promise.allSettled([this.passRunning, ...this.inflight.values()]);
    }
  }

  async stop(): Promise<void> {
    this.kicker.stop();
    await this.idle();
  }

  private async pass(): Promise<void> {
    if (this.passRunning) {
      this.passAgain = true;
      return;
    }
    this.options.onPass?.();
    this.passRunning = this.observeAndDispatch()
      .catch((error) => this.options.logger.error({ err: error }, "reconcile pass failed"))
      .finally(() => {
        this.passRunning = undefined;
        if (this.passAgain) {
          this.passAgain = false;
          this.kick();
        }
      });
    await this.passRunning;
  }

  private async observeAndDispatch(): Promise<void> {
    const { store, runtime } = this.work;
    // Observe the runtime before reading the rows: a node is only ever started after its row
    // exists, so every node seen here has its row in the read below, unless it is an orphan.
    const observedList = await runtime.list();
    const observed: Observed = new Map(observedList.map((node) => [node.name, node]));
    const { groups, clusters, nodes } = await store.overview();
    // RBAC users and user groups no group is taking any more settle (creating/modifying -> active, deleting -> gone).
    await store.accessControl.settle();

    const clusterGroup = new Map(clusters.map((cluster) => [cluster.id, cluster.replicationGroupId]));
    const needsWork = new Set<string>();
    for (const group of groups) if (TRANSITIONAL.has(group.status)) needsWork.add(`rg:${group.id}`);
    for (const cluster of clusters) {
      if (TRANSITIONAL.has(cluster.status)) needsWork.add(cluster.replicationGroupId ? `rg:${cluster.replicationGroupId}` : `cc:${cluster.id}`);
    }
    for (const node of nodes) {
      const seen = observed.get(node.runtimeName);
      const healthy = node.desired === "absent" ? !seen : seen?.running && node.status === "available";
      if (healthy) continue;
      const groupId = clusterGroup.get(node.clusterId);
      needsWork.add(groupId ? `rg:${groupId}` : `cc:${node.clusterId}`);
    }
    for (const key of needsWork) this.dispatch(key, observed);

    const known = new Set([...nodes.map((node) => node.runtimeName), ...(this.work.transientNodes ?? [])]);
    const orphans = observedList.filter((node) => !known.has(node.name));
    for (const orphan of orphans) {
      this.options.logger.warn({ node: orphan.name }, "removing a node no resource owns");
      await runtime.remove(orphan.name).catch((error) => this.options.logger.error({ err: error, node: orphan.name }, "orphan removal failed"));
    }
  }

  private dispatch(key: string, observed: Observed): void {
    if (this.inflight.has(key)) {
      this.rerun.add(key);
      return;
    }
    const [kind, id] = [key.slice(0, 2), key.slice(3)];
    const work = kind === "rg" ? reconcileGroup(this.work, id, observed) : reconcileCluster(this.work, id, observed);
    const tracked = work
      .then((again) => {
        // The resource changed while it was reconciled: look at it again rather than record stale work.
        if (again) this.rerun.add(key);
      })
      .catch((error) => this.options.logger.error({ err: error, resource: key }, "reconcile failed; retrying on the next pass"))
      .finally(() => {
        this.inflight.delete(key);
        if (this.rerun.delete(key)) this.kick();
      });
    this.inflight.set(key, tracked);
  }
}
