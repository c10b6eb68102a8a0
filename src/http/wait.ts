/**
 * ?wait=true on REST writes: the request returns once the resource has left its transitional
 * status (available, create-failed, or gone after a delete), so scripts need no polling loop.
 * On timeout the current state is returned; its status says it is not done. A long wait never
 * looks hung: its progress (status and seconds waited) is told every PROGRESS_EVERY_MS.
 */
import { AwsError, errors } from "../aws/errors.ts";
import { handlerOf, type AnyOperations } from "../aws/operations.ts";
import { TRANSITIONAL_STATUSES } from "../domain/statuses.ts";
import type { WaitTarget } from "./routes.ts";

export const DEFAULT_WAIT_SECONDS = 120;
export const MAX_WAIT_SECONDS = 900;

export interface WaitRequest {
  seconds: number;
}

/**
 * Reads wait / waitSeconds from a write's query string; anything else there is an error.
 * waitSeconds alone means "wait, at most this long" (a limit only makes sense when waiting), and
 * wait=false wins over any waitSeconds, so a client that always sends both (Swagger UI sends each
 * parameter's default) is never refused.
 */
export function parseWait(query: Record<string, unknown> | undefined, waitable: boolean): WaitRequest | undefined {
  const { wait, waitSeconds, ...rest } = query ?? {};
  const unknown = waitable ? Object.keys(rest)[0] : Object.keys(query ?? {})[0];
  if (unknown !== undefined) {
    throw errors.invalidParameterValue(`Unknown query parameter ${unknown}; ${waitable ? "writes take only wait and waitSeconds" : "this route takes none"}.`);
  }
  if (wait !== undefined && wait !== "true" && wait !== "false") throw errors.invalidParameterValue("wait must be true or false.");
  const seconds = waitSeconds === undefined ? DEFAULT_WAIT_SECONDS : Number(waitSeconds);
  if (waitSeconds !== undefined && (typeof waitSeconds !== "string" || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_WAIT_SECONDS)) {
    throw errors.invalidParameterValue(`waitSeconds must be an integer from 1 to ${MAX_WAIT_SECONDS}.`);
  }
  const waiting = wait === "true" || (wait === undefined && waitSeconds !== undefined);
  return waiting ? { seconds } : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const PROGRESS_EVERY_MS = 5_000;

/** Told while a wait goes on: the resource, its status now, and how long the wait has lasted. */
export type WaitProgress = (id: string, status: string, waitedMs: number) => void;

export async function waitForSettled(
  operations: AnyOperations,
  target: WaitTarget,
  output: Record<string, unknown>,
  request: WaitRequest,
  progress?: WaitProgress,
  progressEveryMs = PROGRESS_EVERY_MS,
): Promise<Record<string, unknown>> {
  const resource = output[target.output] as Record<string, unknown> | undefined;
  const id = resource?.[target.idField];
  if (resource === undefined || typeof id !== "string") return output;
  const describe = handlerOf(operations, target.describe);
  if (!describe) return output;
  const started = Date.now();
  const deadline = started + request.seconds * 1000;
  let told = started;
  let current = resource;
  while (TRANSITIONAL_STATUSES.has(String(current[target.statusField])) && Date.now() < deadline) {
    await sleep(25);
    if (progress && Date.now() - told >= progressEveryMs) {
      told = Date.now();
      progress(id, String(current[target.statusField]), told - started);
    }
    try {
      const described = (await describe({ [target.idField]: id, ShowCacheNodeInfo: target.output === "CacheCluster" ? true : undefined }, { requestId: "wait" })) as Record<string, unknown[]>;
      current = described[target.list][0] as Record<string, unknown>;
    } catch (error) {
      // Gone: a delete has finished.
      if (error instanceof AwsError && error.status === 404) return { ...output, [target.output]: { ...current, [target.statusField]: "deleted" } };
      throw error;
    }
  }
  return { ...output, [target.output]: current };
}
