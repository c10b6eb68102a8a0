/**
 * Runs a controller's pass on demand and on a fixed interval: many kicks in one tick make one
 * run, and nothing runs once stopped. The controllers (reconciler, snapshots) share it so their
 * scheduling behaves the same.
 */
export class Kicker {
  private timer?: NodeJS.Timeout;
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly run: () => void,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a run soon; many kicks in one tick make one run. */
  kick(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}
