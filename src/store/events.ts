/**
 * Events: written in the same transaction as the change they describe (every write of the store
 * takes the events that go with it), read by DescribeEvents.
 */
import type { Event, NewEvent, SourceType } from "../domain/events.ts";
import type { Db, Tx } from "./database.ts";
import { lateCommitWindowMs } from "./postgresql-transactions.ts";

export async function writeEvents(tx: Tx, events: readonly NewEvent[] = []): Promise<void> {
  if (events.length > 0) await tx.event.createMany({ data: events.map((event) => ({ ...event })) });
}

export interface EventQuery {
  start: Date;
  end: Date;
  sourceType?: SourceType;
  sourceIdentifier?: string;
}

export class EventRepository {
  /**
   * How long after an event was inserted (and took its id) it may still commit: 0 on SQLite, whose
   * one writer commits in id order; on PostgreSQL a transaction's lifetime (postgresql-transactions.ts).
   */
  readonly lateCommitMs: number;

  constructor(private readonly db: Db) {
    this.lateCommitMs = lateCommitWindowMs(db);
  }

  /** Events on their own (no other change goes with them). */
  async record(...events: NewEvent[]): Promise<void> {
    await writeEvents(this.db, events);
  }

  /** Committed events with an id above `id`, by id (on PostgreSQL one can commit after a larger id: lateCommitMs). */
  async after(id: number, take = 200): Promise<Event[]> {
    const rows = await this.db.event.findMany({ where: { id: { gt: id } }, orderBy: { id: "asc" }, take });
    return rows.map(toEvent);
  }

  /** The id of the newest event, 0 when there is none. */
  async lastId(): Promise<number> {
    return (await this.db.event.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0;
  }

  /** Oldest first. */
  async list(query: EventQuery): Promise<Event[]> {
    const rows = await this.db.event.findMany({
      where: { date: { gte: query.start, lte: query.end }, sourceType: query.sourceType, sourceIdentifier: query.sourceIdentifier },
      orderBy: [{ date: "asc" }, { id: "asc" }],
    });
    return rows.map(toEvent);
  }
}

const toEvent = (row: { id: number; date: Date; sourceType: string; sourceIdentifier: string; message: string }): Event => ({
  id: row.id,
  date: row.date,
  sourceType: row.sourceType as SourceType,
  sourceIdentifier: row.sourceIdentifier,
  message: row.message,
});

/** How many events of a source start with `prefix` since `since` (rate limits such as TestFailover's). */
export async function countEvents(tx: Tx, source: { sourceType: SourceType; sourceIdentifier: string }, prefix: string, since: Date): Promise<number> {
  return tx.event.count({ where: { ...source, message: { startsWith: prefix }, date: { gte: since } } });
}
