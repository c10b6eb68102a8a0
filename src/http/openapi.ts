/**
 * OpenAPI and Swagger UI. The server serves the committed openapi/openapi.json: `npm run generate`
 * builds it from the routes' schemas (routeDocument below) and adds what only generation can
 * know (AWS's descriptions read from the AWS SDK's type declarations with the TypeScript compiler,
 * examples, each operation's AWS errors, the Query endpoint; scripts/openapi/). A test fails when
 * the committed document is not what the routes generate.
 */
import { fileURLToPath } from "node:url";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import type { AnyOperations } from "../aws/operations.ts";
import { restApi } from "./rest-plugin.ts";
import { validatorCompiler } from "./validation.ts";

export const OPENAPI_FILE = fileURLToPath(new URL("../../openapi/openapi.json", import.meta.url));

export const OPENAPI_INFO = {
  title: "elasticache-local",
  description:
    "AWS ElastiCache on one machine, with real Redis and Memcached nodes. The REST JSON API under /v1 takes and returns AWS's shapes and field names " +
    "(descriptions are AWS's); errors carry AWS's code and HTTP status. Writes return at once (creating, modifying, deleting); add `wait=true` to " +
    "return once the resource has settled. The AWS Query protocol, which the AWS CLI and SDKs speak, is served at `/`. When the server has " +
    "credentials configured (ECL_CREDENTIALS), every call must be SigV4-signed (service `elasticache`), as the AWS SDKs and the elasticache-local " +
    "SDK do; unsigned calls get `MissingAuthenticationToken` (403). /health, /docs, /openapi.json and /v1/tls/ca.pem stay open.",
};

/** Serves the committed document at /openapi.json and Swagger UI at /docs. */
export async function openApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, { mode: "static", specification: { path: OPENAPI_FILE, baseDir: fileURLToPath(new URL("../../openapi", import.meta.url)) } });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: {
      // Operations listed, "Try it out" already on (every example is accepted as it is), timings shown.
      docExpansion: "list",
      deepLinking: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      defaultModelsExpandDepth: -1,
    },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

/** The document the REST routes' schemas give, before generation adds documentation. */
export async function routeDocument(operations: AnyOperations, version: string): Promise<Record<string, any>> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  await app.register(swagger, { openapi: { openapi: "3.0.3", info: { ...OPENAPI_INFO, version } } });
  await app.register(restApi, { operations });
  await app.ready();
  const document = structuredClone(app.swagger()) as Record<string, any>;
  await app.close();
  return document;
}
