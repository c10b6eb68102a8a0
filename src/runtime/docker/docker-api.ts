/**
 * The one door to the Docker engine: every call goes through `call()`, which logs it with its
 * timing and turns "the daemon does not answer" into one RuntimeError. Docker's harmless answers
 * (304 already started, 404 already gone, 409 already stopping) are absorbed by `ignoreStatus` at
 * the call sites that name them. dockerode stays inside runtime/docker/: nothing here is exported
 * past that folder.
 */
import Docker from "dockerode";
import { RuntimeError } from "../errors.ts";
import type { RuntimeLogger } from "../logger.ts";

interface DockerError extends Error {
  statusCode?: number;
  reason?: string;
  json?: { message?: string };
  code?: string;
}

export function statusOf(err: unknown): number | undefined {
  return (err as DockerError | undefined)?.statusCode;
}

export function messageOf(err: unknown): string {
  const e = err as DockerError;
  return e?.json?.message ?? e?.reason ?? e?.message ?? String(err);
}

/** Awaits `p`, treating the listed HTTP statuses as success (returns undefined for them). */
export async function ignoreStatus<T>(p: Promise<T>, ...statuses: number[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (statuses.includes(statusOf(err) ?? -1)) return undefined;
    throw err;
  }
}

export class DockerApi {
  constructor(
    readonly docker: Docker,
    private readonly log: RuntimeLogger,
  ) {}

  /** Runs one Docker call: debug log with timing, and "daemon unreachable" mapped to RuntimeError("DockerUnavailable"). */
  async call<T>(op: string, detail: Record<string, unknown>, fn: (docker: Docker) => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const ms = () => Math.round((performance.now() - t0) * 10) / 10;
    try {
      const result = await fn(this.docker);
      this.log.debug({ op, ...detail, ms: ms() }, "docker");
      return result;
    } catch (err) {
      this.log.debug({ op, ...detail, ms: ms(), status: statusOf(err), err: messageOf(err) }, "docker call failed");
      const code = (err as DockerError).code;
      if (statusOf(err) === undefined && (code === "ECONNREFUSED" || code === "ENOENT" || code === "EACCES")) {
        throw new RuntimeError("DockerUnavailable", `Docker engine unreachable (${code}): ${messageOf(err)}`, { cause: err });
      }
      throw err;
    }
  }
}
