/**
 * Every operation of the model is either served or in the refusal table, never both, and the
 * README's operations table is the one generated from them.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { serviceModel } from "../../src/aws/model.ts";
import { UNBUILT_OPERATIONS } from "../../src/elasticache/unbuilt-operations.ts";
import { readmeWithOperationsTable, servedOperationNames } from "../../scripts/operations-table.ts";

const root = path.resolve(import.meta.dirname, "../..");

it("every operation of the model is served or refused naming a capability, never both", () => {
  const served = servedOperationNames();
  const refused = Object.keys(UNBUILT_OPERATIONS);
  expect(served.filter((operation) => refused.includes(operation))).toEqual([]);
  expect([...served, ...refused].sort()).toEqual([...serviceModel().operationNames].sort());
});

it("README.md's operations table is up to date (run `npm run generate`)", () => {
  expect(readFileSync(path.join(root, "README.md"), "utf8")).toBe(readmeWithOperationsTable(root));
});
