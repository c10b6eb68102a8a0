/** The committed OpenAPI document is what the routes generate, and the docs UI is served. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { currentOpenApi } from "../../scripts/openapi/document.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.cleanup());

it("openapi/openapi.json is up to date (run `npm run generate` after changing routes)", async () => {
  const committed = readFileSync(new URL("../../openapi/openapi.json", import.meta.url), "utf8");
  expect(committed).toBe(await currentOpenApi());
});

it("documents every REST route with a summary, request schema and success and error responses", async () => {
  const document = await (await fetch(`${server.url}/openapi.json`)).json();
  // The AWS operations; /v1/tls/ca.pem (a file download, no input) is checked in test/tls/ca-download.test.ts.
  const operations = Object.entries(document.paths as Record<string, Record<string, any>>).filter(([path]) => path.startsWith("/v1/") && !path.startsWith("/v1/tls/"));
  expect(operations.flatMap(([, methods]) => Object.keys(methods)).length).toBeGreaterThanOrEqual(8);
  for (const [path, methods] of operations) {
    for (const [method, operation] of Object.entries(methods)) {
      expect(operation.summary, `${method} ${path}`).toBeTruthy();
      const hasRequest = operation.requestBody !== undefined || (operation.parameters ?? []).length > 0;
      expect(hasRequest, `${method} ${path} request schema`).toBe(true);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["200", "4XX", "5XX"]));
    }
  }
});

/** Every property of a schema, nested ones included, with its path. */
function properties(schema: any, at: string): [string, any][] {
  if (!schema || typeof schema !== "object") return [];
  const own = Object.entries((schema.properties ?? {}) as Record<string, any>).flatMap(([name, property]) => [[`${at}.${name}`, property] as [string, any], ...properties(property, `${at}.${name}`)]);
  return [...own, ...properties(schema.items, `${at}[]`)];
}

it("describes every parameter and every field of every REST request and reply", async () => {
  const document = await (await fetch(`${server.url}/openapi.json`)).json();
  const undescribed: string[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(methods)) {
      const at = `${method} ${path}`;
      expect(operation.description, at).toMatch(/\S/);
      for (const parameter of operation.parameters ?? []) if (!parameter.description) undescribed.push(`${at} ${parameter.name}`);
      const schemas = [operation.requestBody?.content?.["application/json"]?.schema, operation.responses["200"]?.content?.["application/json"]?.schema];
      for (const [name, property] of schemas.flatMap((schema) => properties(schema, at))) if (!property.description) undescribed.push(name);
    }
  }
  expect(undescribed).toEqual([]);
});

it("lists, for each operation, the AWS error codes and statuses the server really answers", async () => {
  const document = await (await fetch(`${server.url}/openapi.json`)).json();
  const failures: [string, string, string, unknown?][] = [
    ["/v1/replication-groups/{ReplicationGroupId}", "get", "/v1/replication-groups/nope"],
    ["/v1/cache-clusters/{CacheClusterId}", "get", "/v1/cache-clusters/nope"],
    ["/v1/cache-subnet-groups", "post", "/v1/cache-subnet-groups", { CacheSubnetGroupName: "default", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] }],
    ["/v1/replication-groups", "post", "/v1/replication-groups", { ReplicationGroupId: "x", ReplicationGroupDescription: "x", NumCacheClusters: "three" }],
  ];
  for (const [path, method, url, body] of failures) {
    const response = await fetch(`${server.url}${url}`, {
      method: method.toUpperCase(),
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const { Error: error } = await response.json();
    const responses = document.paths[path][method].responses;
    const documented = responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`];
    expect(documented.content["application/json"].schema.properties.Error.properties.Code.enum, `${method} ${url}`).toContain(error.Code);
    expect(documented.content["application/json"].examples[error.Code].value.Error.Code).toBe(error.Code);
  }
});

it("documents the Query endpoint at / with Action and Version", async () => {
  const document = await (await fetch(`${server.url}/openapi.json`)).json();
  const form = document.paths["/"].post.requestBody.content["application/x-www-form-urlencoded"].schema;
  expect(form.required).toEqual(["Action", "Version"]);
  expect(form.properties.Version.enum).toEqual(["2015-02-02"]);
  expect(form.properties.Action.enum).toEqual(expect.arrayContaining(["CreateReplicationGroup", "DescribeCacheClusters", "TestFailover"]));
});

it("serves Swagger UI at /docs", async () => {
  const response = await fetch(`${server.url}/docs/`);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain("swagger");
});
