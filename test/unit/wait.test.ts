/** ?wait / ?waitSeconds on REST writes: what each combination means, and what is refused. */
import { describe, expect, it } from "vitest";
import { AwsError } from "../../src/aws/errors.ts";
import { DEFAULT_WAIT_SECONDS, parseWait, waitForSettled } from "../../src/http/wait.ts";

describe("parseWait", () => {
  it.each([
    [{}, undefined],
    [{ wait: "false" }, undefined],
    // Swagger UI sends every parameter's default: wait=false wins over a waitSeconds beside it.
    [{ wait: "false", waitSeconds: "120" }, undefined],
    [{ wait: "true" }, { seconds: DEFAULT_WAIT_SECONDS }],
    [{ wait: "true", waitSeconds: "5" }, { seconds: 5 }],
    // A limit alone means waiting up to it.
    [{ waitSeconds: "7" }, { seconds: 7 }],
  ])("%j -> %j", (query, expected) => {
    expect(parseWait(query, true)).toEqual(expected);
  });

  it.each([
    [{ wait: "yes" }, "wait must be true or false."],
    [{ waitSeconds: "0" }, "waitSeconds must be an integer from 1 to 900."],
    [{ wait: "false", waitSeconds: "abc" }, "waitSeconds must be an integer from 1 to 900."],
    [{ wait: "true", waitSeconds: ["1", "2"] }, "waitSeconds must be an integer from 1 to 900."],
    [{ other: "1" }, "Unknown query parameter other; writes take only wait and waitSeconds."],
  ])("refuses %j", (query, message) => {
    let error: unknown;
    try {
      parseWait(query, true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: "InvalidParameterValue", status: 400, message });
  });

  it("refuses any query parameter on a write that cannot wait", () => {
    expect(() => parseWait({ wait: "true" }, false)).toThrow("Unknown query parameter wait; this route takes none.");
  });
});

describe("waitForSettled", () => {
  it("tells its progress while the resource is transitional, then returns it settled", async () => {
    let describes = 0;
    // A group that stays creating for its first 8 Describes (our own operation's contract, stood in for by a function).
    const operations = {
      DescribeReplicationGroups: async () => ({ ReplicationGroups: [{ ReplicationGroupId: "g", Status: ++describes > 8 ? "available" : "creating" }] }),
    };
    const target = { output: "ReplicationGroup", idField: "ReplicationGroupId", statusField: "Status", describe: "DescribeReplicationGroups", list: "ReplicationGroups" };
    const told: Array<[string, string]> = [];
    const output = await waitForSettled(operations, target, { ReplicationGroup: { ReplicationGroupId: "g", Status: "creating" } }, { seconds: 10 }, (id, status) => told.push([id, status]), 50);
    expect(output).toEqual({ ReplicationGroup: { ReplicationGroupId: "g", Status: "available" } });
    expect(told.length).toBeGreaterThanOrEqual(1);
    expect(new Set(told.map(([id, status]) => `${id} ${status}`))).toEqual(new Set(["g creating"]));
  });
});
