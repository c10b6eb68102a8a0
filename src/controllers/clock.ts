/**
 * The time the automatic-backup controller goes by. In production it is the system clock; with
 * ECL_TEST_CLOCK=true (tests only, off by default) it can be set through
 * POST /_elasticache-local/clock, and from the moment set it runs on at the system clock's pace,
 * so a test can put the control plane inside a snapshot window, or days later, without waiting.
 * On that clock the automatic-backup controller runs only when it is set (main.ts), never on its
 * interval, so what a test sees never depends on the real time of day.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class SettableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
}
