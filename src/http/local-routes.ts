/**
 * The emulator's own routes, beside the AWS API: GET /health (readiness of the store and the node
 * runtime: 200 when both answer, 503 naming what does not) and POST /_elasticache-local/reset
 * (removes every resource and node). Health stays open on a server with credentials (load
 * balancers and Docker's HEALTHCHECK cannot sign); reset, like every API call, must be signed there.
 */
import type { FastifyInstance } from "fastify";
import { sendJsonError } from "./error-handler.ts";

export const HEALTH_ROUTE = "/health";
export const RESET_ROUTE = "/_elasticache-local/reset";

/** A readiness check: resolves when the part answers. */
export type Check = () => Promise<unknown>;

export interface LocalRoutesOptions {
  /** Names the wire format both protocols speak (@aws-sdk/client-elasticache release). */
  model: string;
  checks?: { store: Check; runtime: Check };
  runtimeKind?: string;
  reset?: () => Promise<unknown>;
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
}
