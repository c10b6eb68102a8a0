/**
 * The leader lease's fencing token. A new leader increments the one LeaderEpoch row as it takes the
 * lease (leader-lease.ts, `takeEpoch`); its controllers write through a client fenced with that
 * epoch: every write transaction first reads the row FOR SHARE and refuses (FencedOutError) when
 * the epoch moved on, so a leader paused past its lease (SIGSTOP, a stalled event loop) cannot
 * write after another took over. The read is in the write's own transaction: either the new
 * leader's increment waits for the row lock and comes after the write, or the write sees the new
 * epoch (a SERIALIZABLE conflict is run again by postgresql.ts and then sees it too).
 * Reads are not fenced; writes outside a transaction (a single update) are wrapped in one.
 */
import type { Db, Tx } from "./database.ts";
import { FencedOutError } from "./errors.ts";

const WRITES = new Set(["create", "createMany", "createManyAndReturn", "update", "updateMany", "updateManyAndReturn", "upsert", "delete", "deleteMany"]);

async function checkEpoch(tx: Tx, epoch: number): Promise<void> {
  const rows = await tx.$queryRawUnsafe<{ epoch: number }[]>(`SELECT "epoch" FROM "LeaderEpoch" WHERE "id" = 1 FOR SHARE`);
  const current = rows[0]?.epoch;
  if (current !== epoch) throw new FencedOutError(epoch, current);
}

type AnyTransaction = (run: (tx: Tx) => Promise<unknown>, options?: unknown) => Promise<unknown>;

/** The client whose every write transaction checks that `epoch` is still the lease's. */
export function fencedDb(db: Db, epoch: number): Db {
  const transaction = db.$transaction.bind(db) as unknown as AnyTransaction;
  const fencedTransaction: AnyTransaction = (run, options) =>
    transaction(async (tx) => {
      await checkEpoch(tx, epoch);
      return run(tx);
    }, options);
  return new Proxy(db, {
    get(target, property) {
      if (property === "$transaction") return fencedTransaction;
      if (property === "$executeRaw" || property === "$executeRawUnsafe") {
        return (...args: unknown[]) => fencedTransaction((tx) => (tx[property] as (...a: unknown[]) => Promise<unknown>)(...args));
      }
      const value = Reflect.get(target, property) as unknown;
      if (typeof property !== "string" || property.startsWith("$") || typeof value !== "object" || value === null) return value;
      // A model delegate (db.cacheNode, …): its writes run in a fenced transaction of their own.
      return new Proxy(value, {
        get(model, method) {
          const fn = Reflect.get(model, method) as unknown;
          if (typeof method !== "string" || !WRITES.has(method) || typeof fn !== "function") return fn;
          return (...args: unknown[]) =>
            fencedTransaction((tx) => {
              const delegate = (tx as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[property];
              return delegate[method](...args);
            });
        },
      });
    },
  });
}

/**
 * Increments the epoch on the lease's own connection, right after taking the lock: the value is the
 * new leader's token. Raw SQL on a pg client (the lock connection is not Prisma's).
 */
export const TAKE_EPOCH_SQL = `INSERT INTO "LeaderEpoch" ("id", "epoch") VALUES (1, 1) ON CONFLICT ("id") DO UPDATE SET "epoch" = "LeaderEpoch"."epoch" + 1 RETURNING "epoch"`;
