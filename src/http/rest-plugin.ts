/**
 * The REST JSON API under /v1: one Fastify route per row of REST_ROUTES, each calling the same
 * operation handler as the Query protocol, with request and response schemas generated from
 * the service model (which also feed OpenAPI).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { decodeForm } from "../aws/form.ts";
import { checkTexts, withoutEmptyOptionals } from "../aws/input-rules.ts";
import { serviceModel } from "../aws/model.ts";
import { parseQueryInput } from "../aws/query-parser.ts";
import { AwsError, errors } from "../aws/errors.ts";
import { handlerOf, type AnyOperations, type OperationInput } from "../aws/operations.ts";
import { isAuthParam } from "../aws/sigv4.ts";
import { errorSchema, querySchemaOf, schemaOf, type JsonSchema } from "./json-schema.ts";
import { pathParamsOf, REST_ROUTES, type RestRoute } from "./routes.ts";
import { sendJsonError } from "./error-handler.ts";
import { JsonBodies } from "./json-bodies.ts";
import { DEFAULT_WAIT_SECONDS, MAX_WAIT_SECONDS, parseWait, waitForSettled } from "./wait.ts";

export interface RestOptions {
  operations: AnyOperations;
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

/**
 * The query string, decoded as strictly as the Query protocol decodes it (a malformed escape is
 * an InvalidParameterValue, not a silently kept `%zz`), each name at most once. Presigning
 * parameters (X-Amz-*) are protocol data, not input.
 */
function queryOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const q = request.url.indexOf("?");
  if (q === -1) return out;
  let pairs: ReturnType<typeof decodeForm>;
  try {
    pairs = decodeForm(request.url.slice(q + 1));
  } catch (error) {
    throw error instanceof AwsError ? errors.invalidParameterValue(error.message) : error;
  }
  for (const [name, value] of pairs) {
    if (isAuthParam(name)) continue;
    if (name in out) throw errors.invalidParameterValue(`Parameter ${name} may be given only once.`);
    out[name] = value;
  }
  return out;
}

/** GET: flat strings converted by the model-driven Query parser, so types and errors match the Query protocol. */
function queryInput(route: RestRoute, request: FastifyRequest, query: Record<string, string>): OperationInput {
  return parseQueryInput(route.operation, { ...query, ...(request.params as Record<string, string>) });
}

/** Other methods: the JSON body plus path parameters, under the same input rules as the Query protocol. */
function bodyInput(route: RestRoute, request: FastifyRequest): OperationInput {
  const body = request.body;
  if (body !== undefined && (typeof body !== "object" || body === null || Array.isArray(body))) {
    throw errors.invalidParameterValue("The request body must be a JSON object.");
  }
  const input = { ...(body as OperationInput | undefined), ...(request.params as OperationInput) };
  checkTexts(input);
  return withoutEmptyOptionals(serviceModel().operation(route.operation)?.input, input);
}

export async function restApi(app: FastifyInstance, options: RestOptions) {
  app.setErrorHandler((error, request, reply) => sendJsonError(error as Error, request, reply));
  // Bodies are JSON; a text/plain body is an unsupported media type, not a string to validate.
  app.removeContentTypeParser("text/plain");
  // A presigned URL's X-Amz-* parameters were checked by the signature check (or are ignored when
  // the API is open); the routes' query schemas must not see them as unknown input.
  app.addHook("preValidation", async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query) for (const name of Object.keys(query)) if (isAuthParam(name)) delete query[name];
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      Error: { Type: "Sender", Code: "UnknownOperationException", Message: `No route ${request.method} ${request.url.split("?")[0]}.` },
      RequestId: request.id,
    }),
  );

  for (const route of REST_ROUTES) {
    const handler = handlerOf(options.operations, route.operation);
    if (!handler) continue;
    const bodies = new JsonBodies();
    app.route({
      method: route.method,
      url: route.path,
      schema: routeSchema(route),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const query = queryOf(request);
        const input = route.method === "GET" ? queryInput(route, request, query) : bodyInput(route, request);
        const wait = route.method === "GET" ? undefined : parseWait(query, Boolean(route.waits));
        let output = (await handler(input, { requestId: request.id })) ?? {};
        if (wait && route.waits) {
          output = await waitForSettled(options.operations, route.waits, output, wait, (id, status, waitedMs) =>
            request.log.info({ operation: route.operation, resource: id, status, waitedSeconds: Math.round(waitedMs / 1000) }, `still waiting for ${id} (${status})`),
          );
        }
        if (!route.single) return bodies.send(reply, output, output);
        const [item] = (output as Record<string, unknown[]>)[route.single.list] ?? [];
        return bodies.send(reply, { [route.single.as]: item }, item);
      },
    });
  }
}
