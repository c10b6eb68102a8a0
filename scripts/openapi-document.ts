/**
 * Builds the OpenAPI document of the full operation registry. The handlers are never called
 * here (only their routes' schemas are read), so the services get no database.
 */
import { createServices, operationRegistry } from "../src/elasticache/services.ts";
import { openApiDocument } from "../src/http/openapi.ts";

export async function currentOpenApi(): Promise<string> {
  const services = createServices({
    store: undefined as never,
    account: { region: "us-east-1", accountId: "000000000000" },
    endpointHost: "127.0.0.1",
    catalog: { engines: [] },
    controllers: { kick: () => {} },
  });
  return openApiDocument(operationRegistry(services));
}
