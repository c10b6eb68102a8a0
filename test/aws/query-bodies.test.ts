/**
 * Query bodies kept with shared (frozen) outputs (aws/query-bodies.ts): byte for byte the
 * document serializeQueryResult writes, each with its own request id (escaped), the document
 * written once per output and operation; outputs that are not frozen are written every time.
 */
import { expect, it } from "vitest";
import { queryResultBody } from "../../src/aws/query-bodies.ts";
import { serializeQueryResult } from "../../src/aws/xml-serializer.ts";
import { deepFreeze } from "../../src/domain/frozen.ts";

const groups = () => ({
  ReplicationGroups: [
    { ReplicationGroupId: "a", Description: "with <markup> & ecl-request-id-placeholder", Status: "available", MemberClusters: ["a-001", "a-002"] },
    { ReplicationGroupId: "b", Description: "é ✓", Status: "creating", MemberClusters: [] },
  ],
});
const text = (body: string | Buffer) => (typeof body === "string" ? body : body.toString("utf8"));

it("a frozen output's body is the serialized document with each request's own id", () => {
  const output = deepFreeze(groups());
  for (const requestId of ["11111111-2222-3333-4444-555555555555", "other", "needs <escaping> & \"quotes\""]) {
    expect(text(queryResultBody("DescribeReplicationGroups", output, requestId))).toBe(serializeQueryResult("DescribeReplicationGroups", groups(), requestId));
  }
});

it("a frozen output is written once: what it carried then is what later requests get", () => {
  // Frozen outputs never change; this one is frozen at the top only, so the test can break that
  // promise and see that the stored document, not a new one, is answered.
  const output = groups();
  const frozen = Object.freeze(output);
  const first = text(queryResultBody("DescribeReplicationGroups", frozen, "r1"));
  output.ReplicationGroups[0].Description = "changed after the first answer";
  expect(text(queryResultBody("DescribeReplicationGroups", frozen, "r2"))).toBe(first.replace("<RequestId>r1<", "<RequestId>r2<"));
  // Another operation with the same object is written for that operation.
  expect(text(queryResultBody("ModifyReplicationGroup", frozen, "r3"))).toMatch(/^<ModifyReplicationGroupResponse /);
});

it("an output that is not frozen is written for every request", () => {
  const output = groups();
  const first = text(queryResultBody("DescribeReplicationGroups", output, "r1"));
  output.ReplicationGroups[0].Description = "changed";
  const second = text(queryResultBody("DescribeReplicationGroups", output, "r1"));
  expect(second).not.toBe(first);
  expect(second).toContain("<Description>changed</Description>");
});
