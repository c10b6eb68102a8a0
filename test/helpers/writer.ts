/**
 * A client writing continuously through an endpoint, as an application would during a failover:
 * SET k<i> <i> in a loop over ioredis, reconnecting on its own; it remembers which writes were
 * acknowledged and when writes failed and resumed.
 */
import { Redis, type RedisOptions } from "ioredis";

export interface WriterReport {
  acked: number[];
  failures: number;
  /** performance.now() of every acknowledged write, same index as acked. */
  ackTimes: number[];
  /** performance.now() at which each acknowledged write was sent, same index as acked. */
  sentTimes: number[];
  /** performance.now() of every failed write. */
  failureTimes: number[];
}

export interface WriterOptions extends Pick<RedisOptions, "tls" | "password"> {
  pauseMs?: number;
}

export class ContinuousWriter {
  readonly client: Redis;
  private running = true;
  private readonly loop: Promise<void>;
  private readonly pauseMs: number;
  readonly report: WriterReport = { acked: [], failures: 0, ackTimes: [], sentTimes: [], failureTimes: [] };

  /**
   * `options.pauseMs`: a pause after each acknowledged write, for writers that run long beside others;
   * `options.tls` / `options.password`: for a group with transit encryption and an AUTH token.
   */
  constructor(port: number, host = "127.0.0.1", readonly prefix = "w", options: WriterOptions = {}) {
    const { pauseMs = 0, ...secure } = options;
    this.pauseMs = pauseMs;
    this.client = new Redis({
      host,
      port,
      ...secure,
      // Reconnect at once and fail fast while disconnected: the loop itself retries.
      retryStrategy: () => 10,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 1000,
      commandTimeout: 1000,
    });
    this.client.on("error", () => undefined);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for (let i = 0; this.running; i++) {
      const sentAt = performance.now();
      try {
        await this.client.set(`${this.prefix}${i}`, String(i));
        this.report.acked.push(i);
        this.report.ackTimes.push(performance.now());
        this.report.sentTimes.push(sentAt);
        if (this.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
      } catch {
        this.report.failures++;
        this.report.failureTimes.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /** First acknowledged write after `since` (performance.now()), or undefined. */
  firstAckAfter(since: number): number | undefined {
    return this.report.ackTimes.find((time) => time > since);
  }

  /**
   * When writes worked again after a crash at `crashedAt`: the first acknowledged write sent
   * after the first failure that followed the crash (a write in flight at the crash may still
   * have been acknowledged by the dying node). Undefined while writes have not failed and resumed.
   */
  recoveredAt(crashedAt: number): number | undefined {
    const firstFailure = this.report.failureTimes.find((time) => time >= crashedAt);
    if (firstFailure === undefined) return undefined;
    const index = this.report.sentTimes.findIndex((time) => time > firstFailure);
    return index < 0 ? undefined : this.report.ackTimes[index];
  }

  async waitForAckAfter(since: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const at = this.firstAckAfter(since);
      if (at !== undefined) return at;
      if (performance.now() > deadline) throw new Error(`no write acknowledged within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<WriterReport> {
    this.running = false;
    await this.loop;
    this.client.disconnect();
    return this.report;
  }
}
