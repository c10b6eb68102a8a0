/**
 * Automatic backups: once per daily snapshot window, an automated snapshot of every replication
 * group and standalone Redis cluster whose SnapshotRetentionLimit is above 0; automated snapshots
 * older than the retention are deleted (all of them when the retention is 0, backups off). Goes by
 * an injectable clock (clock.ts). A window counts as backed up once a snapshot was started in it:
 * the window is recorded in the database after the start, and an automated snapshot dated inside
 * the window counts too (a stop between the two writes), so a restarted control plane never takes
 * a second one. A source that is busy (modifying, snapshotting) is tried again on later passes
 * while the window lasts. Starting a snapshot is the operations' business (what a snapshot of a
 * group records): this controller is given an AutomatedSnapshotStarter; the snapshot controller
 * takes the files. Passes run on an interval and when the test clock is set.
 */
import type { Logger } from "pino";
import {
  effectiveSnapshotWindow,
  outlivedRetention,
  parseDailyWindow,
  windowOccurrence,
  type AutomatedSnapshotStarter,
  type BackupSource,
} from "../domain/backup-window.ts";
import { StaleWriteError, type Store } from "../store/index.ts";
import type { Clock } from "./clock.ts";
import { Kicker } from "./kicker.ts";

export interface AutomaticBackupOptions {
  intervalMs: number;
  clock: Clock;
  starter: AutomatedSnapshotStarter;
  /** Wakes the snapshot controller (snapshots marked for deletion). */
  onSnapshotsChanged(): void;
  logger: Logger;
}

/** What a pass needs of a group or cluster. */
interface BackedUp {
  source: BackupSource;
  createdAt: Date;
  snapshotRetentionLimit: number;
  snapshotWindow?: string;
}

export class AutomaticBackupController {
  private readonly kicker: Kicker;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly options: AutomaticBackupOptions,
  ) {
    this.kicker = new Kicker(() => void this.pass(), options.intervalMs);
  }

  start(): void {
    this.kicker.start();
  }

  /** One pass at the clock's time, after any pass in progress (passes never overlap). */
  pass(): Promise<void> {
    this.last = this.last.then(() => this.run().catch((error) => this.options.logger.error({ err: error }, "automatic backup pass failed")));
    return this.last;
  }

  async stop(): Promise<void> {
    this.kicker.stop();
    await this.last;
  }

  private async run(): Promise<void> {
    const now = this.options.clock.now();
    const sources = await this.sources();
    for (const resource of sources) {
      try {
        await this.backUp(resource, now);
        await this.prune(resource, now);
      } catch (error) {
        this.options.logger.warn({ err: error, source: resource.source }, "automatic backup failed; trying again on the next pass");
      }
    }
    await this.store.automaticBackups.forgetAllBut(sources.map((resource) => resource.source));
  }

  private async sources(): Promise<BackedUp[]> {
    const groups = await this.store.replicationGroups.list();
    const clusters = await this.store.cacheClusters.list({ standaloneOnly: true });
    return [
      ...groups.map((group) => ({ ...group, source: { kind: "replication-group" as const, id: group.id } })),
      ...clusters.filter((cluster) => cluster.engine !== "memcached").map((cluster) => ({ ...cluster, source: { kind: "cache-cluster" as const, id: cluster.id } })),
    ];
  }

  private automated(source: BackupSource) {
    const filter = source.kind === "replication-group" ? { replicationGroupId: source.id } : { cacheClusterId: source.id };
    return this.store.snapshots.list({ ...filter, source: "automated" });
  }

  private async backUp(resource: BackedUp, now: Date): Promise<void> {
    if (resource.snapshotRetentionLimit === 0) return;
    const window = parseDailyWindow(effectiveSnapshotWindow({ id: resource.source.id, snapshotWindow: resource.snapshotWindow }));
    const occurrence = window && windowOccurrence(window, now);
    if (!occurrence) return;
    const done = await this.store.automaticBackups.lastWindowStart(resource.source, resource.createdAt);
    if (done && done.getTime() >= occurrence.start.getTime()) return;
    const inWindow = (await this.automated(resource.source)).some((snapshot) => snapshot.createdAt >= occurrence.start && snapshot.createdAt < occurrence.end);
    if (inWindow || (await this.options.starter.start(resource.source, now)) === "started") {
      await this.store.automaticBackups.recordWindow(resource.source, resource.createdAt, occurrence.start);
    }
  }

  private async prune(resource: BackedUp, now: Date): Promise<void> {
    let marked = 0;
    for (const snapshot of await this.automated(resource.source)) {
      if (snapshot.status !== "available" && snapshot.status !== "failed") continue;
      if (!outlivedRetention(snapshot.createdAt, resource.snapshotRetentionLimit, now)) continue;
      try {
        await this.store.snapshots.markDeleting(snapshot.name, []);
        marked++;
      } catch (error) {
        // Deleted or changed meanwhile (DeleteSnapshot, the group's delete): nothing to prune.
        if (!(error instanceof StaleWriteError)) throw error;
      }
    }
    if (marked > 0) this.options.onSnapshotsChanged();
  }
}
