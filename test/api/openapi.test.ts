/** The committed OpenAPI document is what the routes generate, and the docs UI is served. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { currentOpenApi } from "../../scripts/openapi-document.ts";
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
  const operations = Object.entries(document.paths as Record<string, Record<string, any>>).filter(([path]) => path.startsWith("/v1/"));
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

it("serves Swagger UI at /docs", async () => {
  const response = await fetch(`${server.url}/docs/`);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain("swagger");
});
