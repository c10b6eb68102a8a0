/**
 * The operations' side of automatic backups: starts an automated snapshot (SnapshotSource
 * `automated`, AWS's name automatic.<id>-yyyy-mm-dd-hh-mm) of a replication group or a standalone
 * Redis cluster when the automatic-backup controller asks, recording what a manual snapshot
 * records (snapshots.ts), dated by the backup clock. The snapshot controller then takes it and
 * tells AWS's events ("Snapshot succeeded for snapshot with ID …"), as for a manual one.
 */
import { automatedSnapshotName } from "../domain/snapshots.ts";
import type { AutomatedSnapshotStarter, BackupSource } from "../domain/backup-window.ts";
import { AlreadyExistsError, StaleWriteError, type NewSnapshot, type SnapshotSourceGuard } from "../store/index.ts";
import type { ServiceContext } from "./context.ts";
import { snapshotOfCluster, snapshotOfGroup } from "./snapshots.ts";

export class AutomatedSnapshots implements AutomatedSnapshotStarter {
  constructor(private readonly ctx: ServiceContext) {}

  async start(source: BackupSource, at: Date): Promise<"started" | "not-ready"> {
    const name = automatedSnapshotName(source.id, at);
    const planned = await this.plan(source, name);
    if (!planned) return "not-ready";
    try {
      await this.ctx.store.snapshots.create({ ...planned.snapshot, createdAt: at }, planned.guard, []);
    } catch (error) {
      // Another pass started this very snapshot (same minute): it is started.
      if (error instanceof AlreadyExistsError) return "started";
      // The source changed between the read and the write (a modify, a manual snapshot): later.
      if (error instanceof StaleWriteError) return "not-ready";
      throw error;
    }
    this.ctx.controllers.kick();
    return "started";
  }

  private async plan(source: BackupSource, name: string): Promise<{ snapshot: NewSnapshot; guard: SnapshotSourceGuard } | undefined> {
    if (source.kind === "replication-group") {
      const group = await this.ctx.store.replicationGroups.get(source.id);
      if (group?.status !== "available") return undefined;
      return { snapshot: snapshotOfGroup(group, name, "automated"), guard: { kind: source.kind, id: group.id, version: group.version } };
    }
    const cluster = await this.ctx.store.cacheClusters.get(source.id);
    if (cluster?.status !== "available" || cluster.engine === "memcached" || cluster.replicationGroupId) return undefined;
    return { snapshot: snapshotOfCluster(cluster, name, "automated"), guard: { kind: source.kind, id: cluster.id, version: cluster.version } };
  }
}
