/**
 * The ways people call elasticache-local, for tests: `Api` (plain HTTP against the REST API as
 * curl would, and the real AWS SDK for JavaScript against the Query endpoint, with the waits the
 * node tests need), and four `ApiClient`s behind one call(operation, input) so the same scenario
 * runs through each: REST, the AWS SDK, the real AWS CLI v2, and our SDK shim. Every failure is
 * an ApiError with the wire code (and the HTTP status where the client reports it).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as aws from "@aws-sdk/client-elasticache";
import * as shim from "../../src/sdk/index.ts";
import { eventually, Fatal } from "./eventually.ts";

const run = promisify(execFile);

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status; the AWS CLI does not report it. */
    readonly status?: number,
  ) {
    super(`${status ?? "?"} ${code}: ${message}`);
  }
}

export type Output = Record<string, any>;

export interface RestResponse {
  status: number;
  body: any;
}

export const GROUPS = "/v1/replication-groups";
export const CLUSTERS = "/v1/cache-clusters";

/** An AWS SDK exception (from the AWS SDK or the shim) as an ApiError with its wire code; anything else as it is. */
function apiErrorOf(error: any): unknown {
  return error?.$metadata ? new ApiError(error.Code ?? error.name, error.message, error.$metadata.httpStatusCode) : error;
}

export class Api {
  private client?: aws.ElastiCacheClient;

  constructor(public url: string) {}

  /** One REST request; never throws for an HTTP error status. */
  async rest(method: string, pathAndQuery: string, body?: unknown): Promise<RestResponse> {
    const response = await fetch(this.url + pathAndQuery, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed };
  }

  /** A REST request that must succeed (2xx); returns the body. */
  async ok(method: string, pathAndQuery: string, body?: unknown): Promise<any> {
    const response = await this.rest(method, pathAndQuery, body);
    if (response.status < 200 || response.status >= 300) {
      const error = response.body?.Error;
      throw new ApiError(error?.Code ?? "?", `${method} ${pathAndQuery}: ${error?.Message ?? JSON.stringify(response.body)}`, response.status);
    }
    return response.body;
  }

  /** The real @aws-sdk/client-elasticache against the Query endpoint. */
  get sdk(): aws.ElastiCacheClient {
    this.client ??= new aws.ElastiCacheClient({
      endpoint: this.url,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    return this.client;
  }

  /** Sends an SDK command by operation name. */
  async send(operation: string, input: Record<string, unknown>): Promise<any> {
    const Command = (aws as unknown as Record<string, new (input: unknown) => any>)[`${operation}Command`];
    if (!Command) throw new Error(`no SDK command ${operation}`);
    try {
      return await this.sdk.send(new Command(input));
    } catch (error) {
      throw apiErrorOf(error);
    }
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }

  async group(id: string): Promise<any> {
    return (await this.ok("GET", `${GROUPS}/${id}`)).ReplicationGroup;
  }

  async cluster(id: string): Promise<any> {
    return (await this.ok("GET", `${CLUSTERS}/${id}?ShowCacheNodeInfo=true`)).CacheCluster;
  }

  async groupExists(id: string): Promise<boolean> {
    const response = await this.rest("GET", `${GROUPS}/${id}`);
    if (response.status === 404) return false;
    if (response.status !== 200) throw new Error(JSON.stringify(response.body));
    return true;
  }

  /** Polls until the group has `status`; fails fast on create-failed. */
  waitGroup(id: string, status = "available", timeoutMs = 60_000): Promise<any> {
    return this.waitStatus("replication-group", id, () => this.group(id), (group) => group.Status, status, timeoutMs);
  }

  waitCluster(id: string, status = "available", timeoutMs = 60_000): Promise<any> {
    return this.waitStatus("cache-cluster", id, () => this.cluster(id), (cluster) => cluster.CacheClusterStatus, status, timeoutMs);
  }

  private waitStatus(sourceType: string, id: string, read: () => Promise<any>, statusOf: (resource: any) => string, status: string, timeoutMs: number): Promise<any> {
    return eventually(
      async () => {
        const resource = await read();
        if (statusOf(resource) === "create-failed" && status !== "create-failed") {
          const events = await this.events(sourceType, id).catch(() => []);
          throw new Fatal(`${sourceType} ${id} is create-failed: ${events.map((event) => event.Message).join(" | ")}`);
        }
        return statusOf(resource) === status ? resource : undefined;
      },
      timeoutMs,
      `${sourceType} ${id} ${status}`,
    );
  }

  /** DescribeEvents of one source through the REST API, oldest first. */
  async events(sourceType: string, sourceIdentifier?: string): Promise<{ SourceIdentifier: string; SourceType: string; Message: string; Date: string }[]> {
    const query = new URLSearchParams({ SourceType: sourceType, Duration: "60" });
    if (sourceIdentifier) query.set("SourceIdentifier", sourceIdentifier);
    return (await this.ok("GET", `/v1/events?${query}`)).Events;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* One call(operation, input) per client                                                       */
/* ------------------------------------------------------------------------------------------ */

export interface ApiClient {
  name: string;
  call(operation: string, input: Record<string, unknown>): Promise<Output>;
}

/** REST routes written out by hand, as a curl user reads them in the README. */
function restRequest(operation: string, input: Record<string, any>): { method: string; path: string; body?: unknown } {
  const { CacheSubnetGroupName, ResourceName, ...rest } = input;
  const group = encodeURIComponent(CacheSubnetGroupName ?? "");
  const arn = encodeURIComponent(ResourceName ?? "");
  const query = new URLSearchParams(Object.entries(rest).map(([key, value]) => [key, String(value)])).toString();
  switch (operation) {
    case "CreateCacheSubnetGroup":
      return { method: "POST", path: "/v1/cache-subnet-groups", body: input };
    case "DescribeCacheSubnetGroups":
      return { method: "GET", path: `/v1/cache-subnet-groups?${new URLSearchParams(Object.entries(input).map(([k, v]) => [k, String(v)]))}` };
    case "ModifyCacheSubnetGroup":
      return { method: "PATCH", path: `/v1/cache-subnet-groups/${group}`, body: rest };
    case "DeleteCacheSubnetGroup":
      return { method: "DELETE", path: `/v1/cache-subnet-groups/${group}` };
    case "AddTagsToResource":
      return { method: "POST", path: `/v1/tags/${arn}`, body: rest };
    case "ListTagsForResource":
      return { method: "GET", path: `/v1/tags/${arn}${query ? `?${query}` : ""}` };
    case "RemoveTagsFromResource":
      return { method: "DELETE", path: `/v1/tags/${arn}`, body: rest };
    default:
      throw new Error(`no REST mapping for ${operation} in the test client`);
  }
}

export function httpClient(url: string): ApiClient {
  const api = new Api(url);
  return {
    name: "http",
    call: (operation, input) => {
      const request = restRequest(operation, input);
      return api.ok(request.method, request.path, request.body);
    },
  };
}

export function awsSdkClient(url: string): ApiClient {
  const api = new Api(url);
  return { name: "aws-sdk", call: (operation, input) => api.send(operation, input) };
}

export const AWS_CLI = "/usr/bin/aws";

const kebab = (operation: string) => operation.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

/** Runs the AWS CLI v2 with JSON input; dates in input are sent as ISO strings. */
export async function awsCli(url: string, operation: string, input: Record<string, unknown>): Promise<Output> {
  try {
    const { stdout } = await run(
      AWS_CLI,
      ["elasticache", kebab(operation), "--cli-input-json", JSON.stringify(input), "--endpoint-url", url, "--output", "json"],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_DEFAULT_REGION: "us-east-1",
          AWS_PAGER: "",
          AWS_MAX_ATTEMPTS: "1",
        },
      },
    );
    return stdout.trim() ? JSON.parse(stdout) : {};
  } catch (error: any) {
    const match = /An error occurred \(([^)]+)\)[^:]*: (.*)/s.exec(error.stderr ?? "");
    if (match) throw new ApiError(match[1], match[2].trim());
    throw error;
  }
}

export function cliClient(url: string): ApiClient {
  return { name: "aws-cli", call: (operation, input) => awsCli(url, operation, input) };
}

export function shimClient(url: string): ApiClient {
  const client = new shim.ElastiCacheClient({ endpoint: url });
  return {
    name: "sdk-shim",
    async call(operation, input) {
      const CommandClass = (shim as unknown as Record<string, new (input: unknown) => shim.Command<object, object>>)[`${operation}Command`];
      try {
        return (await client.send(new CommandClass(input))) as Output;
      } catch (error) {
        // The shim throws the AWS SDK's own exception classes.
        if (!(error instanceof aws.ElastiCacheServiceException)) throw error;
        throw apiErrorOf(error);
      }
    },
  };
}

export const allClients = (url: string): ApiClient[] => [httpClient(url), awsSdkClient(url), cliClient(url), shimClient(url)];

/** Awaits a call that must fail and returns its error. */
export async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}
