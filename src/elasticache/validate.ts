/**
 * AWS's input rules, as pure functions that throw AwsError with the wire code AWS uses.
 */
import { errors } from "../aws/errors.ts";

/** Letters, digits and hyphens; first a letter; no "--"; no trailing hyphen (ReplicationGroupId, CacheClusterId). */
export function resourceId(value: unknown, param: string, maxLength: number): string {
  const id = requiredString(value, param);
  const valid =
    id.length <= maxLength && /^[a-zA-Z][a-zA-Z0-9-]*$/.test(id) && !id.includes("--") && !id.endsWith("-");
  if (!valid) {
    throw errors.invalidParameterValue(
      `Invalid ${param} "${id}": it must contain from 1 to ${maxLength} alphanumeric characters or hyphens, begin with a letter, contain no two consecutive hyphens and not end with a hyphen.`,
    );
  }
  return id.toLowerCase();
}

export function subnetGroupName(value: unknown, param = "CacheSubnetGroupName"): string {
  const name = requiredString(value, param);
  if (name.length > 255 || !/^[a-zA-Z0-9-]+$/.test(name)) {
    throw errors.invalidParameterValue(
      `Invalid ${param} "${name}": it must contain no more than 255 alphanumeric characters or hyphens.`,
    );
  }
  return name.toLowerCase();
}

export function requiredString(value: unknown, param: string): string {
  if (value === undefined || value === null || value === "") throw errors.missingParameter(param);
  if (typeof value !== "string") throw errors.invalidParameterValue(`${param} must be a string.`);
  return value;
}

export function optionalString(value: unknown, param: string, maxLength = 1024): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw errors.invalidParameterValue(`${param} must be a string.`);
  if (value.length > maxLength) throw errors.invalidParameterValue(`${param} must be at most ${maxLength} characters.`);
  return value;
}

export function optionalInt(value: unknown, param: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw errors.invalidParameterValue(`${param} must be an integer.`);
  }
  if (value < min || value > max) {
    throw errors.invalidParameterValue(`${param} must be between ${min} and ${max}, got ${value}.`);
  }
  return value;
}

export function optionalBool(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw errors.invalidParameterValue(`${param} must be a boolean.`);
  return value;
}

export function stringList(value: unknown, param: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw errors.invalidParameterValue(`${param} must be a list of strings.`);
  }
  return value as string[];
}

export function oneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !allowed.includes(value.toLowerCase() as T)) {
    throw errors.invalidParameterValue(`${param} must be one of: ${allowed.join(", ")}.`);
  }
  return value.toLowerCase() as T;
}

