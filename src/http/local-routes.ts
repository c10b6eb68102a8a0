/**
 * The emulator's own routes, beside the AWS API: GET /health (readiness of the store and the node
 * runtime: 200 when both answer, 503 naming what does not), POST /_elasticache-local/reset
 * (removes every resource and node) and, only when the server runs with ECL_TEST_CLOCK=true,
 * GET/POST /_elasticache-local/clock (the automatic-backup clock tests set). Health stays open on a server with credentials (load
 * balancers and Docker's HEALTHCHECK cannot sign); reset, like every API call, must be signed there.
 */
import type { FastifyInstance } from "fastify";
import { errors } from "../aws/errors.ts";
import { sendJsonError } from "./error-handler.ts";

export const HEALTH_ROUTE = "/health";
export const RESET_ROUTE = "/_elasticache-local/reset";
export const CLOCK_ROUTE = "/_elasticache-local/clock";

/** The automatic-backup clock as the test route sees it: `set` resolves once a backup pass ran at the new time. */
export interface TestClock {
  now(): Date;
  set(at: Date): Promise<void>;
}

/** A readiness check: resolves when the part answers. */
export type Check = () => Promise<unknown>;

export interface LocalRoutesOptions {
  /** Names the wire format both protocols speak (@aws-sdk/client-elasticache release). */
  model: string;
  checks?: { store: Check; runtime: Check };
  runtimeKind?: string;
  /** Whether this instance runs the controllers now (the leader), reported by /health. */
  leader?: () => boolean;
  reset?: () => Promise<unknown>;
  testClock?: TestClock;
}

const CHECK_TIMEOUT_MS = 2_000;

async function outcome(check: Check): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return "ok";
  } catch (error) {
    return `unavailable: ${(error as Error).message.split("\n")[0]}`;
  } finally {
    clearTimeout(timer);
  }
}

export async function localRoutes(app: FastifyInstance, options: LocalRoutesOptions): Promise<void> {
  app.get(HEALTH_ROUTE, { schema: { hide: true } }, async (_request, reply) => {
    if (!options.checks) return { status: "ok", model: options.model };
    const [store, runtime] = await Promise.all([outcome(options.checks.store), outcome(options.checks.runtime)]);
    const ready = store === "ok" && runtime === "ok";
    return reply.code(ready ? 200 : 503).send({
      status: ready ? "ok" : "unavailable",
      model: options.model,
      store,
      runtime: { kind: options.runtimeKind, status: runtime },
      ...(options.leader && { leader: options.leader() }),
    });
  });

  if (options.reset) {
    const reset = options.reset;
    app.post(RESET_ROUTE, { schema: { hide: true } }, async (request, reply) => {
      try {
        return await reset();
      } catch (error) {
        return sendJsonError(error as Error, request, reply);
      }
    });
  }

  if (options.testClock) {
    const clock = options.testClock;
    app.get(CLOCK_ROUTE, { schema: { hide: true } }, async () => ({ now: clock.now().toISOString() }));
    app.post(CLOCK_ROUTE, { schema: { hide: true } }, async (request, reply) => {
      const now = (request.body as { now?: unknown } | undefined)?.now;
      const at = typeof now === "string" ? new Date(now) : undefined;
      if (!at || Number.isNaN(at.getTime())) {
        return sendJsonError(errors.invalidParameterValue('The body must be {"now": "<ISO 8601 time>"}.'), request, reply);
      }
      await clock.set(at);
      return { now: clock.now().toISOString() };
    });
  }
}
