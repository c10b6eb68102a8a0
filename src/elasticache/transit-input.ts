/**
 * ModifyReplicationGroup's TransitEncryptionEnabled / TransitEncryptionMode with AWS's rules for
 * changing encryption in transit in place (Redis OSS 7 and later, Valkey): enabling is two steps,
 * off -> preferred (TransitEncryptionEnabled=true with TransitEncryptionMode=preferred; plain and
 * TLS clients both served) and later preferred -> required (TLS only); going back is the same two
 * steps reversed, required -> preferred, then TransitEncryptionEnabled=false. Pure, so the rules
 * get unit tests.
 */
import { errors } from "../aws/errors.ts";
import { transitStateOf, withTransit, type NodeSecurity, type TransitState } from "../domain/security.ts";
import { oneOf, optionalBool } from "./validate.ts";

export interface TransitChangeInput {
  TransitEncryptionEnabled?: unknown;
  TransitEncryptionMode?: unknown;
}

export interface TransitChangeTarget {
  engine: string;
  engineVersion: string;
  clusterEnabled: boolean;
  security?: NodeSecurity;
}

/** The transit state asked for; undefined when neither parameter was given. Throws AWS's errors for wrong orders. */
export function transitTarget(input: TransitChangeInput, current: TransitState): TransitState | undefined {
  const enabled = optionalBool(input.TransitEncryptionEnabled, "TransitEncryptionEnabled");
  const mode = oneOf(input.TransitEncryptionMode, "TransitEncryptionMode", ["preferred", "required"] as const);
  if (enabled === undefined && mode === undefined) return undefined;
  if (enabled === false) {
    if (mode !== undefined) throw errors.invalidParameterCombination("TransitEncryptionMode cannot be set when TransitEncryptionEnabled is false.");
    if (current === "required") {
      throw errors.invalidParameterCombination("To disable in-transit encryption, first set TransitEncryptionMode to preferred, then TransitEncryptionEnabled to false.");
    }
    return "off";
  }
  if (current === "off") {
    if (enabled === undefined) throw errors.invalidParameterCombination("TransitEncryptionMode requires TransitEncryptionEnabled to be true.");
    if (mode !== "preferred") {
      throw errors.invalidParameterCombination(
        "Enabling in-transit encryption on an existing replication group takes two steps: first TransitEncryptionEnabled=true with TransitEncryptionMode=preferred, then TransitEncryptionMode=required.",
      );
    }
    return "preferred";
  }
  // Transit encryption is on: the mode may move between preferred and required; none given keeps it.
  return mode ?? current;
}

/** Redis OSS 7 and later, and every Valkey, can change encryption in transit in place. */
function changeableEngine(engine: string, engineVersion: string): boolean {
  if (engine === "valkey") return true;
  return engine === "redis" && Number.parseInt(engineVersion, 10) >= 7;
}

/**
 * The group's security with the transit state asked for and previousTransit (what its nodes serve
 * until each is changed); undefined when nothing changes.
 */
export function parseTransitChange(input: TransitChangeInput, group: TransitChangeTarget): NodeSecurity | undefined {
  const current = transitStateOf(group.security);
  const target = transitTarget(input, current);
  if (target === undefined || target === current) return undefined;
  if (!changeableEngine(group.engine, group.engineVersion)) {
    throw errors.invalidParameterCombination(`In-transit encryption can be changed in place only on Redis OSS 7.0 or later and Valkey; this group runs ${group.engine} ${group.engineVersion}.`);
  }
  if (group.clusterEnabled) {
    throw errors.invalidParameterValue("Changing in-transit encryption of a group with cluster mode enabled is not supported by elasticache-local yet.");
  }
  if (target === "off" && ((group.security?.authTokens.length ?? 0) > 0 || group.security?.accessControl?.userGroupId !== undefined)) {
    throw errors.invalidParameterCombination("In-transit encryption cannot be disabled while the replication group has an AuthToken or a user group.");
  }
  const base: NodeSecurity = group.security ?? { transitEncryption: false, authTokens: [] };
  return { ...withTransit(base, target), previousTransit: current };
}
