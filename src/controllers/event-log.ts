/**
 * The terminal's story: every event the store records (resources created, modified, deleted or
 * failed with their reason, nodes added and removed, each failover step) as one info line, after
 * its transaction committed. It follows the event table by id rather than hooking every writer, so
 * nothing rolled back is ever told, and no write path has to remember to log. Listeners (the
 * dashboard's live timeline) get the same events as they are told.
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
  private last = 0;
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
    this.last = await this.store.events.lastId();
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
        for (;;) {
          const events = await this.store.events.after(this.last);
          for (const event of events) {
            this.logger.info({ source: `${event.sourceType} ${event.sourceIdentifier}` }, event.message);
            for (const listener of this.listeners) listener(event);
            this.last = event.id;
          }
          if (events.length === 0) return;
        }
      } catch (error) {
        this.logger.debug({ err: error }, "could not read new events");
      }
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }
}
