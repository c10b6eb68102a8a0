/**
 * One control plane per data directory. Two on one directory would share one database and one set
 * of node directories, each taking the other's nodes for its own to restart or remove.
 *
 * The lock is an operating-system lock: an SQLite file in the data directory in which the holder
 * keeps a write transaction open (`BEGIN IMMEDIATE`) for as long as it runs. SQLite takes that with
 * a POSIX advisory lock, which the kernel releases when the process ends however it ends (SIGKILL,
 * crash), so a dead holder never leaves a stale lock behind and nothing has to judge whether a pid
 * is still the holder. The holder's pid is written beside it only for the refusal message.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export class DataDirInUse extends Error {}

export interface DataDirLock {
  release(): void;
}

const LOCK_FILE = "control-plane.lock";
const PID_FILE = "control-plane.pid";

/** Takes the lock of `dataDir` (which must exist); throws DataDirInUse when another process holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockPath = path.join(dataDir, LOCK_FILE);
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma("journal_mode = DELETE");
    db.exec("BEGIN IMMEDIATE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new DataDirInUse(
      `the data directory ${path.resolve(dataDir)} is in use by another control plane${holderOf(dataDir)}; stop it, or give this one another ECL_DATA_DIR`,
    );
  }
  writeFileSync(path.join(dataDir, PID_FILE), `${process.pid}\n`);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec("ROLLBACK");
      db.close();
    },
  };
}

function holderOf(dataDir: string): string {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, PID_FILE), "utf8"), 10);
    return Number.isInteger(pid) ? ` (pid ${pid})` : "";
  } catch {
    return "";
  }
}
