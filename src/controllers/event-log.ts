/**
 * The terminal's story: every event the store records (resources created, modified, deleted or
 * failed with their reason, nodes added and removed, each failover step) as one info line, after
 * its transaction committed. It follows the event table by id rather than hooking every writer, so
 * nothing rolled back is ever told, and no write path has to remember to log. Listeners (the
 * dashboard's live timeline) get the same events as they are told.
 *
 * Ids are handed out at insert; on PostgreSQL several writers commit in another order, so an
 * event can appear after one with a larger id was told. Each read therefore starts at `settled`,
 * the id up to which everything is told or never will be, and skips what it told already. An id
 * becomes settled once the read that first saw it is older than the store's late-commit window
 * (an attempt's transaction timeout, doubled): every smaller id was taken earlier, by a
 * transaction that has committed by then or never will. Simpler than following PostgreSQL's
 * snapshots (ids come from a sequence, outside the transactions' bookkeeping, so a snapshot's
 * in-flight list does not say which ids are still open) and needs no schema change; it costs a
 * re-read of the window's events (10 s of them) per read. On SQLite the window is 0 and `settled`
 * is the last id told, as before. An event that commits while the log starts, below the newest
 * id, counts as history (DescribeEvents has it).
 */
import type { Logger } from "pino";
import type { Store } from "../store/index.ts";

export interface ToldEvent {
  sourceType: string;
  sourceIdentifier: string;
  message: string;
  date: Date;
}

export class EventLog {
  /** Every event with an id up to this one is told, or will never be committed. */
  private settled = 0;
  /** The ids told above `settled`, with when the read that first saw each of them ended. */
  private readonly told = new Map<number, number>();
  private readonly listeners = new Set<(event: ToldEvent) => void>();
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly intervalMs = 250,
  ) {}

  /** Calls `listener` with every event told from now on; returns how to stop. */
  subscribe(listener: (event: ToldEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells what happens from now on (history stays in DescribeEvents). */
  async start(): Promise<void> {
    this.settled = await this.store.events.lastId();
    this.timer = setInterval(() => void this.read(), this.intervalMs);
    this.timer.unref();
  }

  /** Tells what is left to tell (at shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reading;
    await this.read();
  }

  private read(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const started = performance.now();
        for (let from = this.settled; ; ) {
          const events = await this.store.events.after(from);
          const seen = performance.now();
          for (const event of events) {
            if (!this.told.has(event.id)) this.tell(event, seen);
            from = event.id;
          }
          if (events.length === 0) break;
        }
        this.settle(started);
      } catch (error) {
        this.logger.debug({ err: error }, "could not read new events");
      }
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private tell(event: ToldEvent & { id: number }, seen: number): void {
    this.logger.info({ source: `${event.sourceType} ${event.sourceIdentifier}` }, event.message);
    for (const listener of this.listeners) listener(event);
    this.told.set(event.id, seen);
  }

  /**
   * Moves `settled` to the largest id first seen a late-commit window before the read that
   * started at `readStarted`: what could still commit below it had committed before that read,
   * which saw it.
   */
  private settle(readStarted: number): void {
    const window = this.store.events.lateCommitMs;
    const cut = window === 0 ? Infinity : readStarted - window;
    for (const [id, seen] of this.told) if (seen <= cut && id > this.settled) this.settled = id;
    for (const id of this.told.keys()) if (id <= this.settled) this.told.delete(id);
  }
}
