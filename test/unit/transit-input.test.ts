/**
 * AWS's rules for changing encryption in transit in place (ModifyReplicationGroup), as pure
 * functions: the two steps each way (off -> preferred -> required, required -> preferred -> off),
 * the wrong orders and combinations with AWS's codes, the engines that allow it, and the security
 * a change leaves (the new state, what the nodes served before it, the tokens kept).
 */
import { describe, expect, it } from "vitest";
import { codeOf } from "../helpers/aws-code.ts";
import type { NodeSecurity, TransitState } from "../../src/domain/security.ts";
import { parseTransitChange, transitTarget } from "../../src/elasticache/transit-input.ts";

const TOKEN = "some-token-0123456789";

describe("transitTarget", () => {
  it.each<[Record<string, unknown>, TransitState, TransitState]>([
    [{ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" }, "off", "preferred"],
    [{ TransitEncryptionMode: "required" }, "preferred", "required"],
    [{ TransitEncryptionEnabled: true, TransitEncryptionMode: "required" }, "preferred", "required"],
    [{ TransitEncryptionMode: "preferred" }, "required", "preferred"],
    [{ TransitEncryptionEnabled: false }, "preferred", "off"],
    [{ TransitEncryptionEnabled: true }, "required", "required"],
    [{ TransitEncryptionEnabled: true, TransitEncryptionMode: "PREFERRED" }, "off", "preferred"],
  ])("%o from %s gives %s", (input, current, target) => {
    expect(transitTarget(input, current)).toBe(target);
  });

  it("is undefined when neither parameter is given", () => {
    expect(transitTarget({}, "off")).toBeUndefined();
  });

  it.each<[Record<string, unknown>, TransitState, string]>([
    // Enabling is two steps: never straight to required, never without the mode.
    [{ TransitEncryptionEnabled: true, TransitEncryptionMode: "required" }, "off", "InvalidParameterCombination 400"],
    [{ TransitEncryptionEnabled: true }, "off", "InvalidParameterCombination 400"],
    [{ TransitEncryptionMode: "preferred" }, "off", "InvalidParameterCombination 400"],
    [{ TransitEncryptionMode: "required" }, "off", "InvalidParameterCombination 400"],
    // Disabling is two steps too, and takes no mode.
    [{ TransitEncryptionEnabled: false }, "required", "InvalidParameterCombination 400"],
    [{ TransitEncryptionEnabled: false, TransitEncryptionMode: "preferred" }, "preferred", "InvalidParameterCombination 400"],
    [{ TransitEncryptionEnabled: true, TransitEncryptionMode: "sometimes" }, "off", "InvalidParameterValue 400"],
    [{ TransitEncryptionEnabled: "maybe" }, "off", "InvalidParameterValue 400"],
  ])("refuses %o from %s with %s", (input, current, code) => {
    expect(codeOf(() => transitTarget(input, current))).toBe(code);
  });
});

describe("parseTransitChange", () => {
  const group = (security?: NodeSecurity, engineVersion = "7.0", engine = "redis", clusterEnabled = false) => ({ engine, engineVersion, clusterEnabled, security });
  const STEP_1 = { TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" };

  it("step 1 turns a plain group to preferred, remembering it was off", () => {
    expect(parseTransitChange(STEP_1, group())).toEqual({ transitEncryption: true, transitEncryptionMode: "preferred", authTokens: [], previousTransit: "off" });
  });

  it("step 2 keeps the tokens and records preferred as what the nodes served", () => {
    const current: NodeSecurity = { transitEncryption: true, transitEncryptionMode: "preferred", authTokens: [TOKEN] };
    expect(parseTransitChange({ TransitEncryptionMode: "required" }, group(current))).toEqual({ ...current, transitEncryptionMode: "required", previousTransit: "preferred" });
  });

  it("going back ends without transit encryption and without a mode", () => {
    const current: NodeSecurity = { transitEncryption: true, transitEncryptionMode: "preferred", authTokens: [] };
    expect(parseTransitChange({ TransitEncryptionEnabled: false }, group(current))).toEqual({ transitEncryption: false, authTokens: [], previousTransit: "preferred" });
  });

  it("asks for nothing when the state asked for is the current one", () => {
    const current: NodeSecurity = { transitEncryption: true, transitEncryptionMode: "required", authTokens: [] };
    expect(parseTransitChange({ TransitEncryptionEnabled: true, TransitEncryptionMode: "required" }, group(current))).toBeUndefined();
    expect(parseTransitChange({ TransitEncryptionEnabled: false }, group())).toBeUndefined();
    expect(parseTransitChange({}, group())).toBeUndefined();
  });

  it("is Redis OSS 7 and later and Valkey only", () => {
    expect(codeOf(() => parseTransitChange(STEP_1, group(undefined, "6.2")))).toBe("InvalidParameterCombination 400");
    expect(parseTransitChange(STEP_1, group(undefined, "7.1"))?.previousTransit).toBe("off");
    expect(parseTransitChange(STEP_1, group(undefined, "8.0", "valkey"))?.previousTransit).toBe("off");
  });

  it("refuses cluster mode enabled (not built here) and disabling under AUTH", () => {
    expect(codeOf(() => parseTransitChange(STEP_1, group(undefined, "7.0", "redis", true)))).toBe("InvalidParameterValue 400");
    const withToken: NodeSecurity = { transitEncryption: true, transitEncryptionMode: "preferred", authTokens: [TOKEN] };
    expect(codeOf(() => parseTransitChange({ TransitEncryptionEnabled: false }, group(withToken)))).toBe("InvalidParameterCombination 400");
  });
});
