/** The committed generated part of the SDK shim is what the route table, the model and the AWS SDK give today. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { sdkGeneratedSources } from "../../scripts/sdk-sources.ts";

const root = path.resolve(import.meta.dirname, "../..");

it.each(Object.entries(sdkGeneratedSources()))("%s is up to date (run `npm run generate` after changing routes or the AWS SDK)", (file, content) => {
  expect(readFileSync(path.join(root, file), "utf8")).toBe(content);
});
