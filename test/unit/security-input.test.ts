/**
 * AWS's rules for the AUTH token and its changes (ModifyReplicationGroup AuthTokenUpdateStrategy),
 * as pure functions: characters and length of a token, which strategy needs what, and the tokens a
 * group accepts after each change (ROTATE keeps the old one beside the new one until a SET).
 */
import { describe, expect, it } from "vitest";
import { codeOf } from "../helpers/aws-code.ts";
import type { NodeSecurity } from "../../src/domain/security.ts";
import { loginTokens } from "../../src/domain/security.ts";
import { parseAuthToken, parseAuthTokenChange, parseCreateSecurity } from "../../src/elasticache/security-input.ts";

const now = new Date("2026-12-01T00:00:00Z");
const OLD = "old-token-0123456789";
const NEW = "new-token-0123456789";
const secured = (authTokens: string[]): NodeSecurity => ({ transitEncryption: true, transitEncryptionMode: "required", authTokens });

describe("AuthToken", () => {
  it.each(["0123456789abcdef", "a".repeat(128), "Ab1!&#$^<>-Ab1!&#$^<>-"])("accepts %s", (token) => {
    expect(parseAuthToken(token)).toBe(token);
  });

  it.each(["0123456789abcde", "a".repeat(129), "0123456789abcdef@", "0123456789abcdef/", '0123456789abcdef"', "0123456789 abcdef", "0123456789abcdéf", "0123456789abcdef%"])(
    "refuses %s with InvalidParameterValue",
    (token) => {
      expect(codeOf(() => parseAuthToken(token))).toBe("InvalidParameterValue 400");
    },
  );

  it("is refused for Memcached and without transit encryption", () => {
    expect(codeOf(() => parseCreateSecurity({ TransitEncryptionEnabled: true }, "memcached", now))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateSecurity({ AuthToken: NEW }, "redis", now))).toBe("InvalidParameterCombination 400");
    expect(parseCreateSecurity({ TransitEncryptionEnabled: true, AuthToken: NEW }, "valkey", now)).toEqual({
      transitEncryption: true,
      transitEncryptionMode: "required",
      authTokens: [NEW],
      authTokenLastModified: now,
    });
  });
});

describe("AuthTokenUpdateStrategy", () => {
  it("ROTATE (the default) keeps the current token beside the new one; SET keeps only the new one; DELETE removes AUTH", () => {
    const rotated = parseAuthTokenChange({ AuthToken: NEW }, secured([OLD]), now)!;
    expect(rotated).toMatchObject({ authTokens: [NEW, OLD], previousAuthTokens: [OLD], authTokenLastModified: now });
    const set = parseAuthTokenChange({ AuthToken: NEW, AuthTokenUpdateStrategy: "SET" }, { ...rotated, previousAuthTokens: undefined }, now)!;
    expect(set).toMatchObject({ authTokens: [NEW], previousAuthTokens: [NEW, OLD] });
    const deleted = parseAuthTokenChange({ AuthTokenUpdateStrategy: "DELETE" }, secured([NEW]), now)!;
    expect(deleted).toMatchObject({ authTokens: [], previousAuthTokens: [NEW] });
  });

  it("ROTATE adds AUTH to a group with transit encryption and no token", () => {
    const added = parseAuthTokenChange({ AuthToken: NEW, AuthTokenUpdateStrategy: "ROTATE" }, secured([]), now)!;
    expect(added).toMatchObject({ authTokens: [NEW], previousAuthTokens: [] });
    // Nodes not changed yet still take no password: the controllers try that last.
    expect(loginTokens(added)).toEqual([NEW, undefined]);
  });

  it("nothing given: no change", () => {
    expect(parseAuthTokenChange({}, secured([OLD]), now)).toBeUndefined();
  });

  it.each([
    [{ AuthToken: NEW }, undefined, "InvalidParameterCombination 400"],
    [{ AuthToken: NEW }, { transitEncryption: false, authTokens: [] } as NodeSecurity, "InvalidParameterCombination 400"],
    [{ AuthTokenUpdateStrategy: "ROTATE" }, secured([OLD]), "InvalidParameterCombination 400"],
    [{ AuthTokenUpdateStrategy: "SET" }, secured([NEW, OLD]), "InvalidParameterCombination 400"],
    [{ AuthToken: NEW, AuthTokenUpdateStrategy: "SET" }, secured([OLD]), "InvalidParameterCombination 400"],
    [{ AuthToken: NEW, AuthTokenUpdateStrategy: "DELETE" }, secured([OLD]), "InvalidParameterCombination 400"],
    [{ AuthTokenUpdateStrategy: "DELETE" }, secured([]), "InvalidParameterCombination 400"],
    [{ AuthToken: NEW, AuthTokenUpdateStrategy: "REPLACE" }, secured([OLD]), "InvalidParameterValue 400"],
    [{ AuthToken: "short", AuthTokenUpdateStrategy: "ROTATE" }, secured([OLD]), "InvalidParameterValue 400"],
  ])("%o on %o -> %s", (input, current, expected) => {
    expect(codeOf(() => parseAuthTokenChange(input, current, now))).toBe(expected);
  });
});
