/** ?wait / ?waitSeconds on REST writes: what each combination means, and what is refused. */
import { describe, expect, it } from "vitest";
import { AwsError } from "../../src/aws/errors.ts";
import { DEFAULT_WAIT_SECONDS, parseWait } from "../../src/http/wait.ts";

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
