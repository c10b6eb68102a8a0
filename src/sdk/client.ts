/**
 * ElastiCacheClient: the typed client of elasticache-local's REST API, shaped like
 * @aws-sdk/client-elasticache (`client.send(new XCommand(input))`), so code written for one runs
 * against the other. Requests follow the REST route table the server registers (generated into
 * ./generated/operations.ts, so the published package carries no server code), timestamps in
 * replies become Dates as in the AWS SDK, and errors are the AWS SDK's own exception classes.
 * Requests are SigV4-signed when credentials are known (signing.ts).
 */
import type { ResponseMetadata } from "@smithy/types";
import { exceptionOf } from "./exceptions.js";
import { OPERATIONS, type OperationName } from "./generated/operations.js";
import { requestSigner, signedHeaders, type Credentials } from "./signing.js";
import { reviveTimestamps } from "./timestamps.js";

export interface ElastiCacheClientConfig {
  /** Base URL of elasticache-local, e.g. http://127.0.0.1:4599. */
  endpoint: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Credentials to sign requests with (SigV4), as the AWS SDK takes them: an identity or a
   * provider. Default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment; without
   * either, requests are unsigned (fine for a server without credentials configured).
   */
  credentials?: Credentials;
  /** Region of the signature's scope. Default: AWS_REGION, AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
}

/** Per-call options, as the AWS SDK's `send(command, { abortSignal })`. */
export interface SendOptions {
  abortSignal?: AbortSignal;
}

/** A command of one operation; its Input and Output are the AWS SDK's types for that operation. */
export abstract class Command<Input extends object, Output extends object> {
  /** Carries the output type to `send`; never set. */
  declare readonly __output: Output;
  abstract readonly operation: OperationName;
  constructor(readonly input: Input) {}
}

function queryValue(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

interface RestRequest {
  method: string;
  /** Percent-encoded path. */
  path: string;
  /** Decoded query parameters (GET). */
  query: Record<string, string>;
  body?: string;
}

/** Path parameters from the input go into the path; the rest into the query (GET) or a JSON body. */
function requestOf(operation: OperationName, commandInput: object): RestRequest {
  const route = OPERATIONS[operation];
  const input: Record<string, unknown> = { ...commandInput };
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = encodeURIComponent(String(input[name] ?? ""));
    delete input[name];
    return value;
  });
  if (route.method !== "GET") return { path, method: route.method, query: {}, body: JSON.stringify(input) };
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) if (value !== undefined) query[key] = queryValue(value);
  return { path, method: route.method, query };
}

/** Spaces as %20, not `+`: what SigV4's canonical query string (and so the server) expects. */
function queryString(query: Record<string, string>): string {
  const search = Object.entries(query)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join("&");
  return search ? `?${search}` : "";
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return undefined;
  }
}

export class ElastiCacheClient {
  readonly config: ElastiCacheClientConfig;
  private readonly endpoint: string;
  private readonly signer: ReturnType<typeof requestSigner>;

  constructor(config: ElastiCacheClientConfig) {
    this.config = config;
    this.endpoint = config.endpoint.replace(/\/+$/, "");
    this.signer = requestSigner(config);
  }

  async send<Input extends object, Output extends object>(command: Command<Input, Output>, options: SendOptions = {}): Promise<Output> {
    const request = requestOf(command.operation, command.input);
    const url = new URL(`${this.endpoint}${request.path}${queryString(request.query)}`);
    let headers: Record<string, string> = { ...(request.body === undefined ? {} : { "content-type": "application/json" }), ...this.config.headers };
    if (this.signer) {
      headers = await signedHeaders(this.signer, { url, method: request.method, path: url.pathname, query: request.query, headers, body: request.body });
    }
    const response = await fetch(url, { method: request.method, headers, body: request.body, signal: options.abortSignal });
    // The same metadata the AWS SDK reports for a call made without retries.
    const $metadata: ResponseMetadata = {
      httpStatusCode: response.status,
      requestId: response.headers.get("x-amzn-requestid") ?? undefined,
      attempts: 1,
      totalRetryDelay: 0,
    };
    const text = await response.text();
    const payload = parseJson(text);
    if (!response.ok || payload === undefined) throw exceptionOf(payload, text, $metadata);
    return { ...(reviveTimestamps(OPERATIONS[command.operation].timestamps, payload) as object), $metadata } as Output;
  }

  /** Nothing to release (fetch keeps no client state); kept for parity with the AWS SDK. */
  destroy(): void {}
}
