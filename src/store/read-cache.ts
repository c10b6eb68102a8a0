/**
 * Describe results kept until the database changes. A Describe under load reads the same groups
 * hundreds of times a second while they change a few times a minute; folding the joined rows
 * into domain objects cost most of a request's CPU (profile: about 40 % in joined-reads.ts and
 * much of the garbage collector's share). The cache is keyed by what was read and dropped as a
 * whole whenever the database's version moves (SQLite: PRAGMA data_version on the read
 * connection, which changes when any other connection commits), so a read never returns what a
 * committed write has changed. Cached objects are shared between requests and therefore frozen:
 * a caller that mutates one throws instead of corrupting the next reader's answer.
 * Without a version source (Prisma only, or another database) reads are not cached.
 */
import { deepFreeze } from "../domain/frozen.ts";

export interface ReadCache {
  /** What `load` returns, or what it returned for `key` since the database last changed. */
  read<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/** Loads every time: the store without a separate read connection. */
export const uncached: ReadCache = { read: (_key, load) => load() };

/** Enough for every id of a big installation; a flood of reads of unknown ids only restarts the cache. */
const MAX_ENTRIES = 2_000;

/**
 * `version` must change whenever committed data changed, and must be read in the same
 * synchronous turn as the statement that `load` runs (better-sqlite3 runs it before `load`
 * returns its promise), so no commit can fall between the two.
 */
export function versionedCache(version: () => number): ReadCache {
  let at: number | undefined;
  let entries = new Map<string, Promise<unknown>>();
  return {
    read<T>(key: string, load: () => Promise<T>): Promise<T> {
      const now = version();
      if (now !== at || entries.size >= MAX_ENTRIES) {
        at = now;
        entries = new Map();
      }
      const cached = entries.get(key);
      if (cached) return cached as Promise<T>;
      const current = entries;
      const loaded = load().then(deepFreeze);
      current.set(key, loaded);
      // A failed read is not remembered (and its rejection stays with the caller who awaits it).
      loaded.catch(() => current.get(key) === loaded && current.delete(key));
      return loaded;
    },
  };
}
