/**
 * A real PostgreSQL server of a test's own: a cluster made with initdb in a temporary directory,
 * started with pg_ctl on a free loopback port and a unix socket in that directory, ended (and the
 * directory removed) by stop(), or at the latest when the test process exits. PostgreSQL refuses
 * to run as root: as root the cluster belongs to the `postgres` user that Debian's package makes.
 * The migrations run once into a template database; every fresh database is a copy of it
 * (CREATE DATABASE … TEMPLATE, a file copy), as freshDatabase() does for SQLite.
 */
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { migrate } from "../../src/store/database.ts";
import { freePort } from "./server.ts";

const run = promisify(execFile);

/** The newest installed PostgreSQL's programs (Debian: /usr/lib/postgresql/<version>/bin). */
export function postgresqlBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(path.join(root, name, "bin", "initdb"))) : [];
  if (versions.length === 0) throw new Error("PostgreSQL is not installed (apt-get install -y postgresql; scripts/setup.sh --test does it)");
  return path.join(root, versions.sort((a, b) => Number(a) - Number(b)).at(-1)!, "bin");
}

/** Root runs the server as `postgres`; anyone else as themselves. */
function runAs(): { uid?: number; gid?: number; user: string } {
  if (process.getuid?.() !== 0) return { user: os.userInfo().username };
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }));
  return { uid: id("-u"), gid: id("-g"), user: "postgres" };
}

export interface PostgresqlServer {
  port: number;
  /** The URL of one database of this server. */
  url(database: string): string;
  /** A new migrated database; `remove()` drops it. */
  freshDatabase(): Promise<{ url: string; remove(): Promise<void> }>;
  /** A new database without tables, for a control plane to migrate. */
  emptyDatabase(): Promise<{ url: string; remove(): Promise<void> }>;
  stop(): Promise<void>;
}

export async function startPostgresql(): Promise<PostgresqlServer> {
  const bin = postgresqlBin();
  const owner = runAs();
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-postgresql-"));
  if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!);
  const data = path.join(dir, "data");
  const as = { uid: owner.uid, gid: owner.gid, cwd: dir, env: { ...process.env, LC_ALL: "C" } };
  // C locale: text sorts by bytes, as in SQLite, so lists come back in the same order from both.
  await run(path.join(bin, "initdb"), ["-D", data, "-U", owner.user, "-A", "trust", "--no-locale", "-E", "UTF8", "--no-sync"], as);
  let port = 0;
  const pgCtl = path.join(bin, "pg_ctl");
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    // Durability is not what tests test: fsync off keeps initdb/CREATE DATABASE/commits cheap.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await run(pgCtl, ["start", "-w", "-t", "60", "-D", data, "-l", path.join(dir, "server.log"), "-o", options], as);
      break;
    } catch (error) {
      // Another program took the port between the probe and the start: try another.
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync(pgCtl, ["stop", "-m", "immediate", "-w", "-D", data], { ...as, stdio: "ignore" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once("exit", stopNow);

  const url = (database: string) => `postgresql://${owner.user}@127.0.0.1:${port}/${database}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url("postgres") });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  let template: Promise<void> | undefined;
  let count = 0;
  const newDatabase = async (from: string) => {
    const name = `ecl_${process.pid}_${++count}`;
    await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${from}`));
    return {
      url: url(name),
      remove: () => admin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
    };
  };
  return {
    port,
    url,
    async freshDatabase() {
      template ??= (async () => {
        await admin((client) => client.query("CREATE DATABASE ecl_template"));
        await migrate(url("ecl_template"));
      })();
      await template;
      return newDatabase("ecl_template");
    },
    emptyDatabase: () => newDatabase("template0"),
    async stop() {
      process.removeListener("exit", stopNow);
      stopNow();
    },
  };
}
