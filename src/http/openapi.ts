/** The OpenAPI document, as @fastify/swagger generates it from the routes' schemas. */
import { buildApp } from "../app.ts";
import type { AnyOperations } from "../aws/operations.ts";

export async function openApiDocument(operations: AnyOperations): Promise<string> {
  const app = await buildApp({ operations, bodyLimit: 1024 * 1024 });
  await app.ready();
  const document = JSON.stringify(app.swagger(), null, 2) + "\n";
  await app.close();
  return document;
}
