/**
 * Swagger UI's "Try it out", done the way the UI does it against a real server (real nodes, process
 * runtime): every operation of the served document is sent with what the UI fills in (path
 * parameters from their example, query parameters from their example or default, the request
 * body's example) and must be accepted as it is. Operations run in the order of
 * scripts/openapi/examples.ts, each write waiting for the resources to settle before the next.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { REQUEST_EXAMPLES } from "../../scripts/openapi/examples.ts";
import { TRANSITIONAL_STATUSES } from "../../src/domain/statuses.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

type Json = Record<string, any>;
interface Operation {
  path: string;
  method: string;
  spec: Json;
}

let server: RunningServer;
let operations: Map<string, Operation>;

beforeAll(async () => {
  server = await startServer({ env: { ECL_RUNTIME: "process" } });
  const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
  operations = new Map();
  for (const [path, methods] of Object.entries(document.paths as Record<string, Json>)) {
    for (const [method, spec] of Object.entries(methods)) operations.set(spec.operationId, { path, method: method.toUpperCase(), spec });
  }
});
afterAll(async () => server?.cleanup());

/** The request Swagger UI sends for an operation when nothing is changed in its form. */
function uiRequest({ path, method, spec }: Operation): { url: string; init: RequestInit } {
  const query = new URLSearchParams();
  let url = path;
  for (const parameter of (spec.parameters ?? []) as Json[]) {
    const value = parameter.example ?? parameter.schema?.default;
    if (parameter.in === "path") {
      expect(value, `${spec.operationId}: example of path parameter ${parameter.name}`).toBeDefined();
      url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
    } else if (parameter.in === "query" && value !== undefined) {
      query.set(parameter.name, String(value));
    }
  }
  const init: RequestInit = { method };
  const content = spec.requestBody?.content as Json | undefined;
  if (content?.["application/json"]) {
    const example = content["application/json"].example;
    expect(example, `${spec.operationId}: request body example`).toBeDefined();
    init.headers = { "content-type": "application/json" };
    init.body = JSON.stringify(example);
  } else if (content?.["application/x-www-form-urlencoded"]) {
    init.headers = { "content-type": "application/x-www-form-urlencoded" };
    init.body = new URLSearchParams(content["application/x-www-form-urlencoded"].example).toString();
  }
  const search = query.toString();
  return { url: `${server.url}${url}${search ? `?${search}` : ""}`, init };
}

async function statuses(): Promise<string[]> {
  const groups = (await (await fetch(`${server.url}/v1/replication-groups`)).json()) as Json;
  const clusters = (await (await fetch(`${server.url}/v1/cache-clusters`)).json()) as Json;
  const users = (await (await fetch(`${server.url}/v1/users`)).json()) as Json;
  const userGroups = (await (await fetch(`${server.url}/v1/user-groups`)).json()) as Json;
  return [
    ...groups.ReplicationGroups.map((group: Json) => group.Status),
    ...clusters.CacheClusters.map((cluster: Json) => cluster.CacheClusterStatus),
    // Users and user groups settle to active (the default user stays).
    ...[...users.Users, ...userGroups.UserGroups].map((resource: Json) => resource.Status).filter((status: string) => status !== "active"),
  ];
}

/** Snapshots being taken, copied or deleted. */
async function snapshotWork(): Promise<string[]> {
  const snapshots = (await (await fetch(`${server.url}/v1/snapshots`)).json()) as Json;
  return snapshots.Snapshots.map((snapshot: Json) => snapshot.SnapshotStatus).filter((status: string) => status !== "available");
}

/** Waits until no replication group, cache cluster, user or user group is creating, modifying, deleting or rebooting, and no snapshot is in the works. */
async function settle(after: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const current = [...(await statuses()), ...(await snapshotWork())];
    if (!current.some((status) => TRANSITIONAL_STATUSES.has(status) || status === "copying" || status === "failed")) return;
    if (Date.now() > deadline) throw new Error(`resources did not settle after ${after}: ${current.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it("documents an example for every operation, and nothing else", () => {
  const documented = [...operations.keys()].filter((id) => !id.startsWith("QueryProtocol")).sort();
  expect(documented).toEqual(Object.keys(REQUEST_EXAMPLES).sort());
});

it("accepts every REST operation's example as Swagger UI sends it, writes included", async () => {
  const answered: string[] = [];
  for (const operationId of Object.keys(REQUEST_EXAMPLES)) {
    const operation = operations.get(operationId)!;
    const { url, init } = uiRequest(operation);
    const response = await fetch(url, init);
    const text = await response.text();
    expect(response.status, `${operationId}: ${init.method} ${url} ${init.body ?? ""}\n${text}`).toBeLessThan(300);
    answered.push(operationId);
    if (operation.method !== "GET") await settle(operationId);
  }
  expect(answered).toHaveLength(operations.size - 2);
  // The examples' story ends where it began: an empty server.
  expect(await statuses()).toEqual([]);
});

it.each(["QueryProtocol", "QueryProtocolGet"])("accepts the Query endpoint's example (%s) and answers AWS's XML", async (operationId) => {
  const { url, init } = uiRequest(operations.get(operationId)!);
  const response = await fetch(url, init);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/xml/);
  expect(await response.text()).toMatch(/^<DescribeCacheEngineVersionsResponse xmlns="http:\/\/elasticache\.amazonaws\.com\/doc\/2015-02-02\/"><DescribeCacheEngineVersionsResult>/);
});
