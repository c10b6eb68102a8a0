/** Which engine versions the binaries on this machine run (for the process runtime's catalog). */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** "Redis server v=7.0.15 sha=…" / "memcached 1.6.18" / "Valkey server v=8.0.1 …" -> the version, or undefined when absent. */
export async function binaryVersion(binary: string, flag: "--version" | "-V"): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, [flag], { timeout: 5000 });
    return /v=(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? /(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}
