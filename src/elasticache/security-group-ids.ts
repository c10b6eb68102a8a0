/**
 * SecurityGroupIds of CreateCacheCluster, CreateReplicationGroup and their Modify operations.
 * There is no VPC here, so nothing is filtered by them: they are checked for form and echoed back
 * in SecurityGroups as AWS does, so infrastructure code that sets them sees no drift. Like subnet
 * ids, any `sg-` id is taken by default; ECL_SUBNET_IDS=strict applies AWS's format to both.
 */
import { errors } from "../aws/errors.ts";
import type { SubnetIdRule } from "./subnet-groups.ts";
import { stringList } from "./validate.ts";

/** A network interface takes at most 5 security groups by default (VPC's quota). */
export const MAX_SECURITY_GROUPS = 5;

const FORMATS: Record<SubnetIdRule, { pattern: RegExp; accepted: string }> = {
  any: { pattern: /^sg-[A-Za-z0-9]{1,64}$/, accepted: "'sg-' followed by 1 to 64 letters or digits (e.g. sg-123)" },
  strict: {
    pattern: /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/,
    accepted: "AWS's format, 'sg-' followed by 8 or 17 lowercase hexadecimal digits (ECL_SUBNET_IDS=strict)",
  },
};

/** The ids asked for (duplicates dropped), or undefined when not given. An empty list means "not given", as for AWS's CLI. */
export function parseSecurityGroupIds(value: unknown, rule: SubnetIdRule = "any"): string[] | undefined {
  const ids = stringList(value, "SecurityGroupIds");
  if (!ids || ids.length === 0) return undefined;
  const unique = [...new Set(ids)];
  if (unique.length > MAX_SECURITY_GROUPS) {
    throw errors.invalidParameterValue(`SecurityGroupIds can name at most ${MAX_SECURITY_GROUPS} security groups.`);
  }
  const { pattern, accepted } = FORMATS[rule];
  const bad = unique.find((id) => !pattern.test(id));
  if (bad !== undefined) throw errors.invalidParameterValue(`The security group ID ${bad} is not valid: elasticache-local accepts ${accepted}.`);
  return unique;
}
