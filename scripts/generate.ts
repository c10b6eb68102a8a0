/**
 * npm run generate: rewrites every committed generated file from its sources: openapi/openapi.json
 * (route schemas, AWS documentation, examples), src/sdk/generated/ (the SDK shim's tables) and the
 * README's operations table (scripts/operations-table.ts).
 * Tests fail while any of them is stale.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { currentOpenApi } from "./openapi/document.ts";
import { readmeWithOperationsTable } from "./operations-table.ts";
import { sdkGeneratedSources } from "./sdk-sources.ts";

const root = path.resolve(import.meta.dirname, "..");
const files = { "openapi/openapi.json": await currentOpenApi(), ...sdkGeneratedSources(), "README.md": readmeWithOperationsTable(root) };
for (const [file, content] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
  console.log(`wrote ${file}`);
}
