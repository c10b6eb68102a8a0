/**
 * The parameter controller: makes live parameter changes true on running nodes. A cluster whose
 * parameter group changed is `applying`: every present node of it gets one CONFIG SET of all the
 * family's immediate parameters with the group's values (defaults where it sets none, so a reset
 * goes back too), then the cluster is in-sync, with an event. A cluster waiting for a reboot
 * (pending-reboot) gets the same CONFIG SET on every pass, so its live values change at once
 * as on AWS, while it stays pending-reboot. Values that need a reboot reach the
 * nodes through their spec when they restart (node-spec.ts), which also covers nodes added later
 * and nodes recovered after a failover. Memcached has no live parameters: its clusters go from
 * applying to in-sync at once (their changes are pending-reboot until then).
 */
import type { Logger } from "pino";
import { familyOf } from "../domain/catalog.ts";
import { event } from "../domain/events.ts";
import type { CacheCluster } from "../domain/model.ts";
import { liveSettingsOf } from "../domain/parameters.ts";
import type { ControllerContext } from "./context.ts";
import { loggedIn } from "./node-access.ts";
import { Kicker } from "./kicker.ts";

export interface ParameterControllerOptions {
  intervalMs: number;
  logger: Logger;
}

export class ParameterController {
  private readonly kicker: Kicker;
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly work: ControllerContext,
    private readonly options: ParameterControllerOptions,
  ) {
    this.kicker = new Kicker(() => void this.pass(), options.intervalMs);
  }

  start(): void {
    this.kicker.start();
  }

  kick(): void {
    this.kicker.kick();
  }

  async stop(): Promise<void> {
    this.kicker.stop();
    await this.running;
  }

  private async pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.applyAll()
      .catch((error) => this.options.logger.error({ err: error }, "parameter pass failed"))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
    await this.running;
  }

  private async applyAll(): Promise<void> {
    const clusters = (await this.work.store.cacheClusters.list()).filter((cluster) => cluster.parameterApplyStatus !== "in-sync" && cluster.status !== "deleting");
    await Promise.all(
      clusters.map((cluster) =>
        this.apply(cluster).catch((error) => this.options.logger.warn({ err: error, cluster: cluster.id }, "parameters not applied yet; retrying on the next pass")),
      ),
    );
  }

  private async apply(cluster: CacheCluster): Promise<void> {
    if (cluster.engine !== "memcached") {
      const live = liveSettingsOf(familyOf(cluster.engine, cluster.engineVersion), cluster.parameters);
      const args = Object.entries(live).flat();
      const nodes = cluster.nodes.filter((node) => node.desired === "present");
      if (nodes.some((node) => !node.admin || node.status === "creating")) throw new Error("a node is not running yet");
      // One CONFIG SET of every pair: Redis 7 applies them all or none.
      // Through the node's connection profile: TLS and the AUTH token when the cluster has them.
      await Promise.all(
        nodes.map(async (node) => this.work.redis.call(await loggedIn(this.work.redis, this.work.certificates, cluster, node.admin!), "CONFIG", "SET", ...args)),
      );
    }
    if (cluster.parameterApplyStatus !== "applying") return;
    await this.work.store.parameterGroups.markInSync(cluster.id, cluster.parameters, [
      event("cache-cluster", cluster.id, `Applied parameter group ${cluster.parameterGroupName} to cache cluster ${cluster.id}`),
    ]);
  }
}
