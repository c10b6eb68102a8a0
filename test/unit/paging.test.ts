import { expect, it } from "vitest";
import { AwsError } from "../../src/aws/errors.ts";
import { page, pageRequest } from "../../src/elasticache/paging.ts";

const items = Array.from({ length: 45 }, (_, i) => `item-${String(i).padStart(2, "0")}`);

it("walks every item exactly once in pages of MaxRecords", () => {
  const seen: string[] = [];
  let Marker: string | undefined;
  do {
    const result = page(items, (item) => item, pageRequest({ MaxRecords: 20, Marker }));
    seen.push(...result.items);
    Marker = result.Marker;
  } while (Marker);
  expect(seen).toEqual(items);
});

it("defaults to 100 and refuses MaxRecords outside 20-100 and forged markers", () => {
  expect(pageRequest({}).take).toBe(100);
  for (const MaxRecords of [19, 101, 1.5, "20"]) expect(() => pageRequest({ MaxRecords })).toThrow(AwsError);
  expect(() => pageRequest({ Marker: "not base64url!" })).toThrow(AwsError);
});
