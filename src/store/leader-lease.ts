/**
 * The leader lease of several control planes on one PostgreSQL database: a session-level advisory
 * lock held on one connection of its own. PostgreSQL releases it when that session ends, however
 * the holder ends (SIGKILL, crash, a cut connection), so a dead leader never leaves a stale lease.
 *
 * A candidate tries the lock every `pollMs` (pg_try_advisory_lock never waits). The leader checks
 * its lock connection as often with a cheap query: when the query fails or takes longer than
 * `pollMs`, or the connection reports an error, the lease counts as lost at once and `onLost` runs,
 * so the leader stops acting before PostgreSQL (which ends the session only after noticing it is
 * gone) can give the lock to another. A leader that lost the lease becomes a candidate again, on a
 * new connection, and may lead again later. Each term has its fencing token, the epoch the new
 * leader increments as it takes the lock (fencing.ts): a leader paused longer than the check
 * interval (a stopped process, a stalled event loop) that wakes up after another took over finds
 * its controllers' writes refused.
 */
import pg from "pg";
import { TAKE_EPOCH_SQL } from "./fencing.ts";

/** Our own lock number ("ECLL"), apart from the migrations' (postgresql.ts) and Prisma's. */
const LEADER_LOCK = 0x45434c4c;

export interface LeaderLeaseOptions {
  pollMs: number;
  /** This instance now holds the lease; `epoch` is its fencing token (Store.fenced). */
  onGained(epoch: number): void;
  /** The lease is gone (its connection failed); from the next poll on, this instance is a candidate again. */
  onLost(reason: string): void;
}

export class LeaderLease {
  private connection?: pg.Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private busy = false;
  leading = false;
  /** The fencing token of the current (or last) term. */
  epoch?: number;

  constructor(
    private readonly databaseUrl: string,
    private readonly options: LeaderLeaseOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    void this.tick();
  }

  /** Ends the lock connection, which releases the lease (a graceful shutdown hands over at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const connection = this.connection;
    this.connection = undefined;
    this.leading = false;
    await connection?.end().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (this.leading) await this.check();
      else await this.tryAcquire();
    } finally {
      this.busy = false;
    }
  }

  private async tryAcquire(): Promise<void> {
    try {
      if (!this.connection) {
        const connection = await this.connect();
        // Stopped while connecting: this connection must not take (and keep) the lock.
        if (this.stopped) return void (await connection.end().catch(() => undefined));
        this.connection = connection;
      }
      const { rows } = await this.connection.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1) AS got", [LEADER_LOCK]);
      if (!rows[0].got) return;
      if (this.stopped) return this.drop();
      // The new term's token, taken while holding the lock: every earlier leader's fenced writes
      // fail from this commit on.
      const epoch = (await this.connection.query<{ epoch: number }>(TAKE_EPOCH_SQL)).rows[0].epoch;
      if (this.stopped) return this.drop();
      this.epoch = epoch;
      this.leading = true;
      this.options.onGained(epoch);
    } catch {
      // The database is unreachable for now: a new connection on the next try.
      this.drop();
    }
  }

  private async check(): Promise<void> {
    const connection = this.connection;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!connection) throw new Error("lock connection closed");
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`lock connection silent for ${this.options.pollMs} ms`)), this.options.pollMs)));
      await Promise.race([connection.query("SELECT 1"), late]);
    } catch (error) {
      this.lose((error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  private async connect(): Promise<pg.Client> {
    const connection = new pg.Client({ connectionString: this.databaseUrl });
    // A broken connection says so here, often before the next check would.
    connection.on("error", (error) => {
      if (this.connection !== connection) return;
      if (this.leading) this.lose(error.message);
      else this.drop();
    });
    await connection.connect();
    return connection;
  }

  private lose(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.drop();
    this.options.onLost(reason);
  }

  private drop(): void {
    const connection = this.connection;
    this.connection = undefined;
    void connection?.end().catch(() => undefined);
  }
}
