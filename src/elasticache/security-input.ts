/**
 * The security options of CreateReplicationGroup, CreateCacheCluster and ModifyReplicationGroup
 * with AWS's rules: TransitEncryptionEnabled / TransitEncryptionMode, AuthToken (only with transit
 * encryption; 16–128 printable ASCII characters, of the special ones only ! & # $ ^ < > -),
 * AuthTokenUpdateStrategy, AtRestEncryptionEnabled / KmsKeyId. Pure, so the rules get unit tests.
 */
import { errors } from "../aws/errors.ts";
import type { NodeSecurity, TransitEncryptionMode } from "../domain/security.ts";
import { oneOf, optionalBool, optionalString } from "./validate.ts";

const AUTH_TOKEN = /^[A-Za-z0-9!&#$^<>-]{16,128}$/;

export function parseAuthToken(value: unknown, param = "AuthToken"): string | undefined {
  const token = optionalString(value, param, 1024);
  if (token === undefined) return undefined;
  if (!AUTH_TOKEN.test(token)) {
    throw errors.invalidParameterValue(
      `Invalid ${param}: it must be 16 to 128 printable characters, letters, digits and only these special characters: ! & # $ ^ < > -.`,
    );
  }
  return token;
}

export interface CreateSecurityInput {
  TransitEncryptionEnabled?: unknown;
  TransitEncryptionMode?: unknown;
  AuthToken?: unknown;
}

/** Transit encryption and the AUTH token of a new group or cluster; undefined when it has neither. */
export function parseCreateSecurity(input: CreateSecurityInput, engine: string, now: Date): NodeSecurity | undefined {
  const transit = optionalBool(input.TransitEncryptionEnabled, "TransitEncryptionEnabled") ?? false;
  const mode = oneOf(input.TransitEncryptionMode, "TransitEncryptionMode", ["preferred", "required"] as const);
  const token = parseAuthToken(input.AuthToken);
  if (engine === "memcached" && (transit || token !== undefined)) {
    throw errors.invalidParameterValue("Transit encryption and AuthToken are not supported by elasticache-local for Memcached.");
  }
  if (mode !== undefined && !transit) {
    throw errors.invalidParameterCombination("TransitEncryptionMode requires TransitEncryptionEnabled to be true.");
  }
  if (token !== undefined && !transit) {
    throw errors.invalidParameterCombination("AuthToken is allowed only when TransitEncryptionEnabled is true.");
  }
  if (!transit) return undefined;
  return {
    transitEncryption: true,
    transitEncryptionMode: (mode ?? "required") as TransitEncryptionMode,
    authTokens: token === undefined ? [] : [token],
    authTokenLastModified: token === undefined ? undefined : now,
  };
}

/** AtRestEncryptionEnabled and KmsKeyId: recorded and reported (a node keeps no data on disk here). */
export function parseAtRest(input: { AtRestEncryptionEnabled?: unknown; KmsKeyId?: unknown }): { atRestEncryption: boolean; kmsKeyId?: string } {
  const atRestEncryption = optionalBool(input.AtRestEncryptionEnabled, "AtRestEncryptionEnabled") ?? false;
  const kmsKeyId = optionalString(input.KmsKeyId, "KmsKeyId", 2048);
  if (kmsKeyId !== undefined && !atRestEncryption) {
    throw errors.invalidParameterCombination("KmsKeyId requires AtRestEncryptionEnabled to be true.");
  }
  return { atRestEncryption, kmsKeyId };
}

export type AuthTokenUpdateStrategy = "ROTATE" | "SET" | "DELETE";

/**
 * ModifyReplicationGroup's AuthToken and AuthTokenUpdateStrategy against the group's current
 * security: the new security, or undefined when neither was given. ROTATE (the default) adds the
 * token beside the current one (both accepted), or adds AUTH to a group without it; SET, after a
 * ROTATE, keeps only the given token; DELETE removes AUTH (AWS allows it only when moving to RBAC
 * users, which elasticache-local does not have yet, so it is accepted alone).
 */
export function parseAuthTokenChange(
  input: { AuthToken?: unknown; AuthTokenUpdateStrategy?: unknown },
  current: NodeSecurity | undefined,
  now: Date,
): NodeSecurity | undefined {
  const token = parseAuthToken(input.AuthToken);
  const strategy = oneOf(input.AuthTokenUpdateStrategy, "AuthTokenUpdateStrategy", ["rotate", "set", "delete"] as const)?.toUpperCase() as
    | AuthTokenUpdateStrategy
    | undefined;
  if (token === undefined && strategy === undefined) return undefined;
  if (!current?.transitEncryption) {
    throw errors.invalidParameterCombination("AuthToken can be changed only on a replication group with TransitEncryptionEnabled.");
  }
  const tokens = current.authTokens;
  let next: string[];
  switch (strategy ?? "ROTATE") {
    case "ROTATE":
      if (token === undefined) throw errors.invalidParameterCombination("AuthTokenUpdateStrategy ROTATE requires AuthToken.");
      next = tokens.length === 0 || tokens[0] === token ? [token] : [token, tokens[0]];
      break;
    case "SET":
      if (token === undefined) throw errors.invalidParameterCombination("AuthTokenUpdateStrategy SET requires AuthToken.");
      if (tokens.length < 2) throw errors.invalidParameterCombination("AuthTokenUpdateStrategy SET is allowed only after a ROTATE.");
      next = [token];
      break;
    default:
      if (token !== undefined) throw errors.invalidParameterCombination("AuthTokenUpdateStrategy DELETE takes no AuthToken.");
      if (tokens.length === 0) throw errors.invalidParameterCombination("The replication group has no AuthToken to delete.");
      next = [];
  }
  return { ...current, authTokens: next, previousAuthTokens: tokens, authTokenLastModified: now };
}
