/**
 * The four ways people call elasticache-local, behind one call(operation, input) so the same
 * scenario runs through each: plain HTTP against the REST API (as curl would), the real AWS SDK
 * for JavaScript and the real AWS CLI v2 against the Query endpoint, and our SDK shim.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as aws from "@aws-sdk/client-elasticache";
import * as shim from "../../src/sdk/index.ts";

const run = promisify(execFile);

export class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status; the AWS CLI does not report it. */
    readonly status?: number,
  ) {
    super(`${code}: ${message}`);
  }
}

export type Output = Record<string, any>;

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
  return {
    name: "http",
    async call(operation, input) {
      const request = restRequest(operation, input);
      const response = await fetch(url + request.path, {
        method: request.method,
        headers: request.body === undefined ? {} : { "content-type": "application/json" },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
      const payload = await response.json();
      if (!response.ok) throw new ClientError(payload.Error.Code, payload.Error.Message, response.status);
      return payload;
    },
  };
}

/** An AWS SDK exception (from the AWS SDK or the shim) as a ClientError with its wire code; anything else as it is. */
function clientErrorOf(error: any): unknown {
  return error?.$metadata ? new ClientError(error.Code ?? error.name, error.message, error.$metadata.httpStatusCode) : error;
}

export function awsSdkClient(url: string): ApiClient {
  const client = new aws.ElastiCacheClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  return {
    name: "aws-sdk",
    async call(operation, input) {
      const CommandClass = (aws as unknown as Record<string, new (input: unknown) => any>)[`${operation}Command`];
      try {
        return await client.send(new CommandClass(input));
      } catch (error) {
        throw clientErrorOf(error);
      }
    },
  };
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
    if (match) throw new ClientError(match[1], match[2].trim());
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
        throw clientErrorOf(error);
      }
    },
  };
}

export const allClients = (url: string): ApiClient[] => [httpClient(url), awsSdkClient(url), cliClient(url), shimClient(url)];

/** Awaits a call that must fail and returns its error. */
export async function failure(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}
