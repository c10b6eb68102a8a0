/** The one way tests wait for something real to happen: poll until true, fail with what was awaited. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error `eventually` must not retry. */
export class Fatal extends Error {}

/**
 * Polls `fn` (sync or async) every `everyMs` until it returns a truthy value, which it returns;
 * errors count as "not yet" (except Fatal). Throws after `timeoutMs` naming `what` and the last error.
 */
export async function eventually<T>(
  fn: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  timeoutMs = 10_000,
  what = "condition",
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      if (error instanceof Fatal) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await sleep(everyMs);
  }
}
