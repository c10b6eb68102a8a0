/**
 * Model-driven fuzzing of both protocols against the real control plane and its real SQLite store:
 * inputs for every operation of the model (fuzz-inputs.ts), sent over the Query protocol and over
 * every REST route, with a fixed seed and a bounded number of cases. Properties: no response is a
 * 5xx, every refusal is AWS-shaped, and the database is unchanged after every refusal.
 *
 * The server runs the process runtime with engine binaries that cannot run (/bin/false), so its
 * catalog is empty and every create of a group or cluster is refused: the fuzz starts no node, and
 * nothing but the call under test writes the database. Subnet groups and tags are really written.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceModel } from "../../src/aws/model.ts";
import { REST_ROUTES } from "../../src/http/routes.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { databaseSnapshot } from "./db-snapshot.ts";
import { formEncode, mutationOf, queryParams, restRequest, structureOf, VALID_INPUTS, type HttpCase } from "./fuzz-inputs.ts";

// Fixed in CI; FUZZ_SEED / FUZZ_RUNS explore further by hand.
const SEED = Number(process.env.FUZZ_SEED) || 20_261_130;
const RUNS_PER_PROTOCOL = Number(process.env.FUZZ_RUNS) || 1_000;

let server: RunningServer;
let cases = 0;

beforeAll(async () => {
  server = await startServer({
    env: {
      ECL_RUNTIME: "process",
      ECL_REDIS_SERVER: "/bin/false",
      ECL_VALKEY_SERVER: "/bin/false",
      ECL_MEMCACHED: "/bin/false",
      ECL_INSTANCE: `fuzz${process.pid}`,
      ECL_PORT_RANGE: "25900-25909",
    },
  });
  // Something to find: a subnet group with tags, so Describe/Modify/Delete/tag calls reach past "not found".
  const created = await fetch(`${server.url}/v1/cache-subnet-groups`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ CacheSubnetGroupName: "kept", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"], Tags: [{ Key: "k", Value: "v" }] }),
  });
  expect(created.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await server?.cleanup();
  console.log(`fuzz: ${cases} cases (seed ${SEED})`);
});

const model = serviceModel();
const implemented = new Set(REST_ROUTES.map((route) => route.operation));

/** Every operation of the model; the implemented ones five times as often. */
const operation = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...[...implemented]) },
  { weight: 1, arbitrary: fc.constantFrom(...model.operationNames) },
);

/** Half the time a valid input with one or two members mutated, else anything the model allows. */
const inputOf = (name: string): fc.Arbitrary<Record<string, unknown>> => {
  const shape = model.operation(name)?.input;
  if (!shape) return fc.constant({});
  const valid = VALID_INPUTS[name];
  if (!valid) return structureOf(shape);
  const once = fc.nat().chain((n) => mutationOf(shape, valid(n)));
  return fc.oneof(structureOf(shape), once, once.chain((mutated) => mutationOf(shape, mutated)));
};

const queryCase: fc.Arbitrary<HttpCase> = operation.chain((name) =>
  fc.tuple(inputOf(name), fc.constantFrom("POST", "POST", "POST", "GET"), fc.boolean()).map(([input, method, withVersion]) => {
    const pairs: Array<[string, string]> = [["Action", name]];
    if (withVersion) pairs.push(["Version", model.apiVersion]);
    queryParams(model.operation(name)?.input, input, "", pairs);
    const form = formEncode(pairs);
    return method === "GET"
      ? { method, path: `/?${form}` }
      : { method, path: "/", contentType: "application/x-www-form-urlencoded", body: form };
  }),
);

/** Requests that are wrong before any input: content types, bodies that do not parse. */
const transportCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constantFrom("POST", "PATCH", "DELETE", "PUT"),
  path: fc.constantFrom("/", "/v1/cache-subnet-groups", "/v1/cache-subnet-groups/kept", "/v1/replication-groups", "/v1/tags/x", "/v1/nope"),
  contentType: fc.constantFrom("application/json", "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""),
  body: fc.oneof(fc.constantFrom("{", "[]", "null", '"x"', "{\"a\":", "Action=", "%zz=%zz", '{"__proto__":{"x":1}}'), fc.string({ maxLength: 40 })),
});

const restCase: fc.Arbitrary<HttpCase> = fc.oneof(
  {
    weight: 6,
    // Writes twice as often as reads: they are where a bad value can reach the store.
    arbitrary: fc.constantFrom(...REST_ROUTES, ...REST_ROUTES.filter((route) => route.method !== "GET")).chain((route) => {
      const shape = model.operation(route.operation)?.input;
      return inputOf(route.operation).map((input) => restRequest(route, shape, input));
    }),
  },
  { weight: 1, arbitrary: transportCase },
);

async function check(request: HttpCase): Promise<void> {
  cases++;
  const before = databaseSnapshot(server.databaseFile);
  const response = await fetch(server.url + request.path, {
    method: request.method,
    headers: request.contentType ? { "content-type": request.contentType } : {},
    ...(request.body !== undefined && { body: request.body }),
  });
  const text = await response.text();
  const what = `${request.method} ${request.path.slice(0, 300)} ${request.body?.slice(0, 300) ?? ""} -> ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, what).toBeLessThan(500);
  if (response.status < 400) return;
  if (response.headers.get("content-type")?.includes("xml")) {
    expect(text, what).toMatch(/^<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>\w+<\/Code><Message>/);
  } else {
    const { Error: error, RequestId } = JSON.parse(text);
    expect(error?.Type, what).toBe("Sender");
    expect(error?.Code, what).toMatch(/^\w+$/);
    expect(RequestId, what).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(databaseSnapshot(server.databaseFile), `database changed by a refused call: ${what}`).toBe(before);
}

describe("fuzzing from the model", () => {
  it("Query protocol: no 5xx, AWS-shaped refusals, nothing written by a refusal", async () => {
    await fc.assert(fc.asyncProperty(queryCase, check), { seed: SEED, numRuns: RUNS_PER_PROTOCOL });
  }, 120_000);

  it("REST API: no 5xx, AWS-shaped refusals, nothing written by a refusal", async () => {
    await fc.assert(fc.asyncProperty(restCase, check), { seed: SEED, numRuns: RUNS_PER_PROTOCOL });
  }, 120_000);
});
