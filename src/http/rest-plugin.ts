/**
 * The REST JSON API under /v1: one Fastify route per row of REST_ROUTES, each calling the same
 * operation handler as the Query protocol, with request and response schemas generated from
 * the service model (which also feed OpenAPI).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { serviceModel } from "../aws/model.ts";
import { parseQueryInput } from "../aws/query-parser.ts";
import { errors } from "../elasticache/errors.ts";
import type { OperationInput, OperationRegistry } from "../elasticache/operations.ts";
import { errorSchema, querySchemaOf, schemaOf, type JsonSchema } from "./json-schema.ts";
import { pathParamsOf, REST_ROUTES, type RestRoute } from "./routes.ts";
import { sendJsonError } from "./error-handler.ts";
import { DEFAULT_WAIT_SECONDS, MAX_WAIT_SECONDS, parseWait, waitForSettled } from "./wait.ts";

export interface RestOptions {
  operations: OperationRegistry;
  /** Longest time a `?wait=true` request may block, in seconds. */
  maxWaitSeconds?: number;
}

function responseSchemaOf(route: RestRoute): JsonSchema {
  const output = serviceModel().operation(route.operation)?.output;
  if (!output) return { type: "object", properties: {} };
  if (route.single) {
    const list = output.members[route.single.list];
    if (list?.type !== "list") throw new Error(`${route.operation} has no list ${route.single.list}`);
    return { type: "object", properties: { [route.single.as]: schemaOf(list.member, { closed: false }) } };
  }
  return schemaOf(output, { closed: false });
}

function routeSchema(route: RestRoute): Record<string, unknown> {
  const operation = serviceModel().operation(route.operation);
  if (!operation) throw new Error(`REST route for unknown operation ${route.operation}`);
  const params = pathParamsOf(route.path);
  const schema: Record<string, unknown> = {
    summary: route.summary,
    description: `AWS operation ${route.operation}; fields and errors as in the ElastiCache API.`,
    tags: [route.tag],
    operationId: route.single ? `${route.operation}One` : route.operation,
    response: {
      200: responseSchemaOf(route),
      "4xx": errorSchema,
      "5xx": errorSchema,
    },
  };
  if (params.length > 0) {
    schema.params = {
      type: "object",
      properties: Object.fromEntries(params.map((name) => [name, { type: "string" }])),
      required: params,
    };
  }
  if (route.method === "GET") {
    schema.querystring = querySchemaOf(operation.input, params);
  } else if (operation.input) {
    schema.body = schemaOf(operation.input, { closed: true, omit: params });
  }
  if (route.waits) {
    schema.querystring = {
      type: "object",
      properties: {
        wait: { type: "boolean", default: false, description: "Return once the resource is no longer creating, modifying or deleting." },
        waitSeconds: {
          type: "integer",
          minimum: 1,
          maximum: MAX_WAIT_SECONDS,
          description: `Longest wait (default ${DEFAULT_WAIT_SECONDS}); then the current state is returned. Given without wait, it means wait=true.`,
        },
      },
      additionalProperties: false,
    };
  }
  return schema;
}

/** GET: flat strings converted by the model-driven Query parser, so types and errors match the Query protocol. */
function queryInput(route: RestRoute, request: FastifyRequest): OperationInput {
  const flat: Record<string, string> = {};
  const sources = [request.query as Record<string, unknown>, request.params as Record<string, unknown>];
  for (const source of sources) {
    for (const [key, value] of Object.entries(source ?? {})) {
      if (typeof value !== "string") throw errors.invalidParameterValue(`Parameter ${key} may be given only once.`);
      flat[key] = value;
    }
  }
  return parseQueryInput(route.operation, flat);
}

function bodyInput(request: FastifyRequest): OperationInput {
  const body = request.body;
  if (body !== undefined && (typeof body !== "object" || body === null || Array.isArray(body))) {
    throw errors.invalidParameterValue("The request body must be a JSON object.");
  }
  return { ...(body as OperationInput | undefined), ...(request.params as OperationInput) };
}

export async function restApi(app: FastifyInstance, options: RestOptions) {
  app.setErrorHandler((error, request, reply) => sendJsonError(error as Error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      Error: { Type: "Sender", Code: "UnknownOperationException", Message: `No route ${request.method} ${request.url.split("?")[0]}.` },
      RequestId: request.id,
    }),
  );

  for (const route of REST_ROUTES) {
    const handler = options.operations[route.operation];
    if (!handler) continue;
    app.route({
      method: route.method,
      url: route.path,
      schema: routeSchema(route),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const input = route.method === "GET" ? queryInput(route, request) : bodyInput(request);
        const wait = route.method === "GET" ? undefined : parseWait(request.query as Record<string, unknown>, Boolean(route.waits));
        let output = (await handler(input, { requestId: request.id })) ?? {};
        if (wait && route.waits) output = await waitForSettled(options.operations, route.waits, output, wait);
        if (!route.single) return reply.send(output);
        const [item] = (output as Record<string, unknown[]>)[route.single.list] ?? [];
        return reply.send({ [route.single.as]: item });
      },
    });
  }
}
