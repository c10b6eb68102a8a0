/**
 * The store's transactions on PostgreSQL: every interactive transaction runs SERIALIZABLE and is
 * run again, whole, when PostgreSQL aborts it as a conflict (as its documentation asks); and the
 * connection of a transaction whose COMMIT failed goes back to the pool, which Prisma forgets.
 *
 * What Prisma 6.19 with @prisma/adapter-pg throws for a conflict (seen on a real server):
 * - a serialization failure (40001) at a statement: PrismaClientKnownRequestError P2034, with
 *   meta.driverAdapterError.cause { kind: "TransactionWriteConflict", originalCode: "40001" };
 * - a serialization failure at COMMIT ("read/write dependencies among transactions"): the bare
 *   DriverAdapterError, cause { kind: "TransactionWriteConflict", originalCode: "40001" }, no code;
 * - a deadlock (40P01): the bare DriverAdapterError, cause { kind: "postgres", code: "40P01" }.
 */
import pg from "pg";

/** Attempts of one transaction before the conflict is the caller's. */
const ATTEMPTS = 20;

/**
 * How long one attempt may stay open (Prisma's interactive transaction timeout, its default made
 * explicit): after it Prisma rolls the attempt back, so nothing it wrote can commit later than
 * this after it began (the event log counts on that: events.ts).
 */
export const TRANSACTION_TIMEOUT_MS = 5_000;

const lateCommitting = new WeakSet<object>();

/** Marks a client whose transactions may commit in another order than the one they took ids in. */
export function commitsLate<T extends object>(client: T): T {
  lateCommitting.add(client);
  return client;
}

/**
 * How long after a row took its id from a sequence the row may still appear (commit): on
 * PostgreSQL an attempt's timeout, doubled for the COMMIT itself and for the single-statement
 * writes outside transactions; 0 on SQLite, whose one writer at a time commits in id order.
 */
export const lateCommitWindowMs = (client: object) => (lateCommitting.has(client) ? 2 * TRANSACTION_TIMEOUT_MS : 0);

/**
 * How long an attempt may wait for a connection of the pool (Prisma's default is 2 s): under a
 * burst of writes the pool's 10 connections are a queue, and a write that waits its turn is not
 * a failure. It does not lengthen the late-commit window: an attempt takes its ids only once it
 * has a connection.
 */
const CONNECTION_WAIT_MS = 30_000;

/** PostgreSQL's "run the transaction again" SQLSTATEs: serialization failure, deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);

interface AdapterCause {
  kind?: string;
  code?: string;
  originalCode?: string;
}

/** The SQLSTATE behind an error from Prisma or from the adapter, when there is one. */
function sqlStateOf(error: unknown): string | undefined {
  const failure = error as { cause?: AdapterCause; meta?: { driverAdapterError?: { cause?: AdapterCause } } } | null;
  const cause = failure?.cause ?? failure?.meta?.driverAdapterError?.cause;
  if (cause?.kind === "TransactionWriteConflict") return "40001";
  return cause?.originalCode ?? cause?.code;
}

export function isRetryableConflict(error: unknown): boolean {
  if ((error as { code?: string } | null)?.code === "P2034") return true;
  const state = sqlStateOf(error);
  return state !== undefined && RETRYABLE.has(state);
}

/** Jittered and growing (up to about 0.3 s), so the writers that collided do not collide again in step. */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** Math.min(attempt, 6)));

/** The interactive form of $transaction; the batch form ($transaction([…])) is not used by the store. */
export type Transaction = (run: (tx: unknown) => Promise<unknown>, options?: Record<string, unknown>) => Promise<unknown>;

/** `transaction` run SERIALIZABLE, each attempt of `run` on a fresh transaction, until it is not a conflict. */
export function serializableRetried(transaction: Transaction): Transaction {
  return async (run, options) => {
    if (typeof run !== "function") return transaction(run, options);
    for (let attempt = 1; ; attempt++) {
      try {
        return await transaction(run, { isolationLevel: "Serializable", maxWait: CONNECTION_WAIT_MS, timeout: TRANSACTION_TIMEOUT_MS, ...options });
      } catch (error) {
        if (!isRetryableConflict(error) || attempt >= ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  };
}

const watched = Symbol("releasedOnFailedCommit");
const isCommit = (query: unknown) => /^\s*COMMIT\s*$/i.test(typeof query === "string" ? query : ((query as { text?: string } | null)?.text ?? ""));

type WatchedClient = pg.PoolClient & { [watched]?: Set<unknown> };

/**
 * A pool whose connections go back when their COMMIT fails. Prisma sends COMMIT itself and hands
 * the connection back (and drops the error listener it put on it) only when COMMIT succeeds: a
 * COMMIT refused as a conflict left the connection checked out for good, and after a pool's worth
 * of them (10) every transaction waited for a connection forever (the hang of an earlier attempt
 * at retrying). PostgreSQL has ended the transaction when it answers COMMIT, either way, so a
 * connection that answered goes back as it is; one that did not (a broken socket) is thrown away.
 */
export function releasingPool(config: pg.PoolConfig): pg.Pool {
  // Prisma checks maxWait only once it has a connection: the pool itself must give up waiting.
  const pool = new pg.Pool({ connectionTimeoutMillis: CONNECTION_WAIT_MS, ...config });
  pool.on("acquire", (client: WatchedClient) => {
    // The error listeners it has before whoever checks it out adds theirs.
    const known = new Set<unknown>(client.listeners("error"));
    const first = client[watched] === undefined;
    client[watched] = known;
    if (!first) return;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const result = query(...args);
      if (!isCommit(args[0]) || !(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        for (const listener of client.listeners("error")) {
          if (!client[watched]!.has(listener)) client.removeListener("error", listener as (error: Error) => void);
        }
        const answered = typeof (error as { severity?: unknown } | null)?.severity === "string";
        client.release(answered ? undefined : (error as Error));
        throw error;
      });
    };
  });
  return pool;
}
