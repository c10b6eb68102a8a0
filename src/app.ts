/**
 * buildApp(deps): the Fastify application with both protocols, OpenAPI and Swagger UI. It never
 * listens, so tests and scripts build the very same app the server runs.
 */
import { randomUUID } from "node:crypto";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serviceModel } from "./aws/model.ts";
import { queryProtocol } from "./aws/query-plugin.ts";
import type { AnyOperations } from "./aws/operations.ts";
import { caCertificateRoute } from "./http/ca-certificate.ts";
import { dashboardRoutes, type DashboardOptions } from "./http/dashboard.ts";
import { localRoutes, type Check, type TestClock } from "./http/local-routes.ts";
import { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from "./http/framework-errors.ts";
import { openApiDocs } from "./http/openapi.ts";
import { restApi } from "./http/rest-plugin.ts";
import { requireSignatures } from "./http/signature-auth.ts";
import { validatorCompiler } from "./http/validation.ts";
import type { Registry } from "prom-client";

export interface AppDeps {
  operations: AnyOperations;
  bodyLimit: number;
  /** Account STS GetCallerIdentity answers with (ECL_ACCOUNT_ID). */
  accountId?: string;
  /**
   * Secret by access key id (ECL_CREDENTIALS): when not empty, every API call must be signed with
   * one of them (health, the API documents and the CA certificate stay open).
   */
  credentials?: ReadonlyMap<string, string>;
  /** The installation's CA certificate (PEM), served at GET /v1/tls/ca.pem. */
  caCertificate?: string;
  /** Readiness checks of GET /health (without them it answers ok whenever the server does). */
  readiness?: { store: Check; runtime: Check; runtimeKind: string; leader?: () => boolean };
  /** POST /_elasticache-local/reset: removes every resource and node. */
  reset?: () => Promise<unknown>;
  /** GET/POST /_elasticache-local/clock, only with ECL_TEST_CLOCK=true: the automatic-backup clock tests set. */
  testClock?: TestClock;
  /** The Prometheus registry served at GET /metrics (src/metrics/prometheus.ts). */
  metrics?: Registry;
  /** The live dashboard at /dashboard (http/dashboard.ts): the event stream and node metrics it shows. */
  dashboard?: DashboardOptions;
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
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Fastify's two info lines per request drown the log and cost more CPU than serving a small
    // request (about 50-100 µs against 45 µs); one line per request at debug instead (onResponse).
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-amzn-requestid", request.id);
    done(null, payload);
  });
  app.addHook("onResponse", (request, reply, done) => {
    request.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime }, "request");
    done();
  });

  // Before any route, so that every route registered below has the check.
  if (deps.credentials && deps.credentials.size > 0) requireSignatures(app, { credentials: deps.credentials });
  await app.register(openApiDocs);
  // The model names the @aws-sdk/client-elasticache release whose wire format both protocols speak.
  await localRoutes(app, {
    model: serviceModel().source,
    ...(deps.readiness && { checks: { store: deps.readiness.store, runtime: deps.readiness.runtime }, runtimeKind: deps.readiness.runtimeKind, leader: deps.readiness.leader }),
    ...(deps.reset && { reset: deps.reset }),
    ...(deps.testClock && { testClock: deps.testClock }),
  });

  if (deps.metrics) {
    const registry = deps.metrics;
    // Prometheus' text format; open like /health (a scraper carries no AWS signature).
    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }
  if (deps.dashboard) await dashboardRoutes(app, deps.dashboard);
  if (deps.caCertificate !== undefined) await app.register(caCertificateRoute, { certificatePem: deps.caCertificate });
  await app.register(restApi, { operations: deps.operations });
  await app.register(queryProtocol, {
    operations: deps.operations,
    bodyLimit: deps.bodyLimit,
    ...(deps.accountId !== undefined && { accountId: deps.accountId }),
  });
  return app;
}
