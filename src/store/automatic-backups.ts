/**
 * Automatic backups: per source, the start of the last snapshot window an automated snapshot was
 * started in. Read before a snapshot is started and written after, so a control plane restarted
 * inside a window, or a window whose snapshot was deleted by hand, never gets a second one. A row
 * whose `sourceCreatedAt` differs from the source's belongs to an earlier source of the same id.
 */
import type { BackupSource } from "../domain/backup-window.ts";
import type { Db } from "./database.ts";

export class AutomaticBackupRepository {
  constructor(private readonly db: Db) {}

  /** The start of the last window backed up for this source (created at `sourceCreatedAt`), if any. */
  async lastWindowStart(source: BackupSource, sourceCreatedAt: Date): Promise<Date | undefined> {
    const row = await this.db.automaticBackup.findUnique({ where: { sourceKind_sourceId: { sourceKind: source.kind, sourceId: source.id } } });
    return row && row.sourceCreatedAt.getTime() === sourceCreatedAt.getTime() ? row.lastWindowStart : undefined;
  }

  async recordWindow(source: BackupSource, sourceCreatedAt: Date, windowStart: Date): Promise<void> {
    const key = { sourceKind: source.kind, sourceId: source.id };
    await this.db.automaticBackup.upsert({
      where: { sourceKind_sourceId: key },
      create: { ...key, sourceCreatedAt, lastWindowStart: windowStart },
      update: { sourceCreatedAt, lastWindowStart: windowStart },
    });
  }

  /** Rows of sources that are gone (kept small; a new source of the same id is told apart anyway). */
  async forgetAllBut(present: BackupSource[]): Promise<void> {
    const keep = new Set(present.map((source) => `${source.kind}:${source.id}`));
    const rows = await this.db.automaticBackup.findMany({ select: { sourceKind: true, sourceId: true } });
    const gone = rows.filter((row) => !keep.has(`${row.sourceKind}:${row.sourceId}`));
    for (const row of gone) await this.db.automaticBackup.deleteMany({ where: row });
  }
}
