/**
 * ElastiCacheClient: the typed client of elasticache-local's REST API, shaped like
 * @aws-sdk/client-elasticache (`client.send(new XCommand(input))`). Requests are built from the
 * same route table the server registers, and timestamps in replies are turned back into Dates
 * by walking the service model, as the AWS SDK does.
 */
import { serviceModel, type Shape } from "../aws/model.ts";
import { pathParamsOf, REST_ROUTES, type RestRoute } from "../http/routes.ts";

export interface ElastiCacheClientConfig {
  /** Base URL of elasticache-local, e.g. http://127.0.0.1:4599. */
  endpoint: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

export interface ResponseMetadata {
  httpStatusCode: number;
  requestId?: string;
}

export abstract class Command<Input extends object, Output extends object> {
  declare readonly __output: Output;
  abstract readonly operation: string;
  constructor(readonly input: Input) {}
}

/** Errors carry the AWS wire Code (also their name), the HTTP status and the request id. */
export class ElastiCacheServiceException extends Error {
  readonly $fault: "client" | "server";
  constructor(
    readonly Code: string,
    message: string,
    readonly $metadata: ResponseMetadata,
    readonly Type: "Sender" | "Receiver" = $metadata.httpStatusCode >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
    this.name = Code;
    this.$fault = Type === "Receiver" ? "server" : "client";
  }
}

function routeFor(operation: string): RestRoute {
  // Describe operations have a list route and a one-item route; the shim uses the list route,
  // so the output is exactly the AWS SDK's.
  const route = REST_ROUTES.find((candidate) => candidate.operation === operation && !candidate.single);
  if (!route) throw new Error(`elasticache-local has no REST route for ${operation}`);
  return route;
}

function queryValue(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Turns ISO strings back into Dates where the model says "timestamp". */
function revive(shape: Shape | undefined, value: unknown): unknown {
  if (shape === undefined || value === null || value === undefined) return value;
  switch (shape.type) {
    case "timestamp":
      return typeof value === "string" ? new Date(value) : value;
    case "list":
      return Array.isArray(value) ? value.map((item) => revive(shape.member, item)) : value;
    case "structure": {
      if (typeof value !== "object") return value;
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
        out[key] = revive(shape.members[key], member);
      }
      return out;
    }
    default:
      return value;
  }
}

export class ElastiCacheClient {
  private readonly endpoint: string;

  constructor(private readonly config: ElastiCacheClientConfig) {
    this.endpoint = config.endpoint.replace(/\/+$/, "");
  }

  async send<Input extends object, Output extends object>(
    command: Command<Input, Output>,
  ): Promise<Output & { $metadata: ResponseMetadata }> {
    const route = routeFor(command.operation);
    const input = { ...(command.input as Record<string, unknown>) };
    let path = route.path;
    for (const name of pathParamsOf(route.path)) {
      path = path.replace(`:${name}`, encodeURIComponent(String(input[name] ?? "")));
      delete input[name];
    }
    let body: string | undefined;
    if (route.method === "GET") {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(input)) if (value !== undefined) query.set(key, queryValue(value));
      if ([...query].length > 0) path += `?${query}`;
    } else {
      body = JSON.stringify(input);
    }
    const response = await fetch(`${this.endpoint}${path}`, {
      method: route.method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...this.config.headers },
      body,
    });
    const $metadata: ResponseMetadata = {
      httpStatusCode: response.status,
      requestId: response.headers.get("x-amzn-requestid") ?? undefined,
    };
    const text = await response.text();
    const payload = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) {
      const error = (payload.Error ?? {}) as { Code?: string; Message?: string; Type?: "Sender" | "Receiver" };
      throw new ElastiCacheServiceException(error.Code ?? "UnknownError", error.Message ?? text, $metadata, error.Type);
    }
    const output = revive(serviceModel().operation(command.operation)?.output, payload) as Output;
    return { ...output, $metadata };
  }

  /** Nothing to release (fetch keeps no client state); kept for parity with the AWS SDK. */
  destroy(): void {}
}
