/**
 * The OpenAPI document served at /openapi.json (committed as openapi/openapi.json): the routes'
 * schemas, then for each REST operation AWS's description of it and of every field it takes and
 * returns, its request example, the AWS errors it answers with their statuses, and the Query
 * endpoint at `/` and the CA certificate. The handlers are never called here (only their routes' schemas are read), so
 * the services get no database.
 */
import { readFileSync } from "node:fs";
import { createServices, operationRegistry } from "../../src/elasticache/services.ts";
import { CA_CERTIFICATE_ROUTE } from "../../src/http/ca-certificate.ts";
import { routeDocument } from "../../src/http/openapi.ts";
import { REST_ROUTES, type RestRoute } from "../../src/http/routes.ts";
import { AwsDocs } from "./aws-docs.ts";
import { caCertificatePath } from "./ca-certificate.ts";
import { errorResponses } from "./errors.ts";
import { REQUEST_EXAMPLES } from "./examples.ts";
import { queryEndpoint } from "./query-endpoint.ts";

type Json = Record<string, any>;

/** Puts AWS's description on every property of a schema, following the AWS SDK's type alongside. */
function describe(schema: Json | undefined, type: ReturnType<AwsDocs["type"]> | undefined, docs: AwsDocs): void {
  if (schema === undefined || type === undefined) return;
  for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    const member = docs.member(type, name);
    if (!member) continue;
    if (member.description && !property.description) property.description = member.description;
    describe(property, member.type, docs);
  }
  const item = schema.items ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
  if (item) describe(item, docs.itemOf(type), docs);
}

function documentRoute(operation: Json, route: RestRoute, docs: AwsDocs): void {
  const aws = docs.operation(route.operation);
  const input = docs.type(`${route.operation}CommandInput`);
  const example = REQUEST_EXAMPLES[operation.operationId];
  if (!example) throw new Error(`scripts/openapi/examples.ts has no example for ${operation.operationId}`);
  operation.description = `${aws.description}\n\nAWS operation \`${route.operation}\`: fields, errors and statuses as in the ElastiCache API.`;
  for (const parameter of (operation.parameters ?? []) as Json[]) {
    parameter.description ??= docs.member(input, parameter.name)?.description;
    if (parameter.in === "path") parameter.example = example.params?.[parameter.name];
    if (parameter.in === "query" && example.query?.[parameter.name] !== undefined) parameter.example = example.query[parameter.name];
  }
  const body = operation.requestBody?.content?.["application/json"];
  if (body) {
    describe(body.schema, input, docs);
    if (example.body === undefined) throw new Error(`the example of ${operation.operationId} has no body`);
    body.example = example.body;
  }
  const ok = operation.responses["200"];
  let output = docs.type(`${route.operation}CommandOutput`);
  let schema = ok.content["application/json"].schema;
  if (route.single) {
    output = docs.itemOf(docs.member(output, route.single.list)!.type)!;
    schema = schema.properties[route.single.as];
    schema.description = `The one named in the path, as ${route.operation} lists it.`;
  }
  ok.description = route.single ? `The ${route.single.as}.` : `AWS's output of ${route.operation}.`;
  describe(schema, output, docs);
  operation.responses = { 200: ok, ...errorResponses(aws.errors, docs) };
}

export async function currentOpenApi(): Promise<string> {
  const services = createServices({
    store: undefined as never,
    account: { region: "us-east-1", accountId: "000000000000" },
    endpointHost: "127.0.0.1",
    proxyHost: "127.0.0.1",
    catalog: { engines: [] },
    controllers: { kick: () => {} },
    snapshotFiles: undefined as never,
  });
  const operations = operationRegistry(services);
  const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const document = await routeDocument(operations, version);
  const docs = new AwsDocs();
  for (const route of REST_ROUTES) {
    const operation = document.paths[route.path.replace(/:([A-Za-z]+)/g, "{$1}")]?.[route.method.toLowerCase()];
    if (operation) documentRoute(operation, route, docs);
  }
  document.paths["/"] = queryEndpoint(Object.keys(operations));
  document.paths[CA_CERTIFICATE_ROUTE] = caCertificatePath();
  return `${JSON.stringify(document, null, 2)}\n`;
}
