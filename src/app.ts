/**
 * buildApp(deps): the Fastify application with both protocols, OpenAPI and Swagger UI. It never
 * listens, so tests and scripts build the very same app the server runs.
 */
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { queryProtocol } from "./aws/query-plugin.ts";
import type { OperationRegistry } from "./elasticache/operations.ts";
import { openApiDocs } from "./http/openapi.ts";
import { restApi } from "./http/rest-plugin.ts";
import { validatorCompiler } from "./http/validation.ts";

export interface AppDeps {
  operations: OperationRegistry;
  bodyLimit: number;
  /** A pino logger; without one the app logs nothing (tests). */
  logger?: FastifyBaseLogger;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.bodyLimit,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-amzn-requestid", request.id);
  });

  await app.register(openApiDocs);
  app.get("/health", { schema: { hide: true } }, async () => ({ status: "ok" }));

  await app.register(restApi, { operations: deps.operations });
  await app.register(queryProtocol, { operations: deps.operations, bodyLimit: deps.bodyLimit });
  return app;
}
