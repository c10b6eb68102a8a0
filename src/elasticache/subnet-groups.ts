/**
 * Cache subnet groups. In elasticache-local a subnet group is the nodes' network (a Docker
 * network with the Docker runtime); VPC, subnets and zones are derived deterministically from
 * the subnet ids so the same input always describes the same way.
 */
import { createHash } from "node:crypto";
import { arnOf, type Account } from "../domain/arn.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "../aws/errors.ts";
import { page, pageRequest } from "./paging.ts";
import { toCacheSubnetGroup } from "./shapes.ts";
import { parseTags, tagsFor } from "./tags.ts";
import { optionalString, requiredString, stringList, subnetGroupName } from "./validate.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";

export const DEFAULT_SUBNET_GROUP = "default";
const MAX_SUBNETS = 20;
const AZ_LETTERS = ["a", "b", "c"];

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function availabilityZoneOf(region: string, subnetId: string): string {
  return `${region}${AZ_LETTERS[parseInt(digest(subnetId).slice(0, 8), 16) % AZ_LETTERS.length]}`;
}

export function vpcIdOf(subnetIds: string[]): string {
  return `vpc-${digest([...subnetIds].sort().join(",")).slice(0, 17)}`;
}

function defaultSubnetIds(account: Account): string[] {
  return AZ_LETTERS.map((letter) => `subnet-${digest(`${account.accountId}:${account.region}${letter}`).slice(0, 17)}`);
}

/**
 * Which subnet ids are taken. There is no VPC behind them here, so by default any `subnet-` id is
 * (the documentation's `subnet-123` included) and its zone is derived from it; `strict` checks
 * AWS's own format for users who want a typo caught as AWS would catch it.
 */
export type SubnetIdRule = "any" | "strict";

const SUBNET_ID_FORMATS: Record<SubnetIdRule, { pattern: RegExp; accepted: string }> = {
  any: {
    pattern: /^subnet-[A-Za-z0-9]{1,64}$/,
    accepted: "'subnet-' followed by 1 to 64 letters or digits (e.g. subnet-123)",
  },
  strict: {
    pattern: /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/,
    accepted: "AWS's format, 'subnet-' followed by 8 or 17 lowercase hexadecimal digits (ECL_SUBNET_IDS=strict)",
  },
};

function parseSubnetIds(value: unknown, rule: SubnetIdRule): string[] {
  const ids = stringList(value, "SubnetIds");
  if (!ids || ids.length === 0) throw errors.missingParameter("SubnetIds");
  const unique = [...new Set(ids)];
  if (unique.length > MAX_SUBNETS) {
    throw new AwsError("SubnetQuotaExceededFault", `A cache subnet group can have at most ${MAX_SUBNETS} subnets.`);
  }
  const { pattern, accepted } = SUBNET_ID_FORMATS[rule];
  const bad = unique.find((id) => !pattern.test(id));
  if (bad !== undefined) throw new AwsError("InvalidSubnet", `The subnet ID ${bad} is not valid: elasticache-local accepts ${accepted}.`);
  return unique;
}

function parseDescription(value: unknown, required: boolean): string | undefined {
  if (required) requiredString(value, "CacheSubnetGroupDescription");
  return optionalString(value, "CacheSubnetGroupDescription", 255);
}

export class SubnetGroupService {
  constructor(private readonly ctx: ServiceContext) {}

  private arn(name: string) {
    return arnOf(this.ctx.account, "subnetgroup", name);
  }

  private subnetsOf(ids: string[]) {
    return ids.map((subnetId) => ({ subnetId, availabilityZone: availabilityZoneOf(this.ctx.account.region, subnetId) }));
  }

  /** The `default` group every account has; created at start-up when missing. */
  async ensureDefault(): Promise<void> {
    const ids = defaultSubnetIds(this.ctx.account);
    await this.ctx.store.subnetGroups.ensure({
      name: DEFAULT_SUBNET_GROUP,
      description: "Default CacheSubnetGroup",
      vpcId: vpcIdOf(ids),
      subnets: this.subnetsOf(ids),
    });
  }

  async create(input: InputOf<"CreateCacheSubnetGroup">): Promise<OutputOf<"CreateCacheSubnetGroup">> {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    const description = parseDescription(input.CacheSubnetGroupDescription, true)!;
    const subnetIds = parseSubnetIds(input.SubnetIds, this.ctx.subnetIds ?? "any");
    const tags = parseTags(input.Tags);
    if (name === DEFAULT_SUBNET_GROUP) throw this.alreadyExists(name);
    const group = await this.ctx.store.subnetGroups.create(
      { name, description, vpcId: vpcIdOf(subnetIds), subnets: this.subnetsOf(subnetIds) },
      tagsFor(this.arn(name), tags),
    );
    return { CacheSubnetGroup: toCacheSubnetGroup(this.ctx, group) };
  }

  async describe(input: InputOf<"DescribeCacheSubnetGroups">): Promise<OutputOf<"DescribeCacheSubnetGroups">> {
    const request = pageRequest(input);
    const name =
      input.CacheSubnetGroupName === undefined ? undefined : subnetGroupName(input.CacheSubnetGroupName);
    const groups = await this.ctx.store.subnetGroups.list(name);
    if (name !== undefined && groups.length === 0) throw this.notFound(name);
    const result = page(groups, (group) => group.name, request);
    return {
      Marker: result.Marker,
      CacheSubnetGroups: result.items.map((group) => toCacheSubnetGroup(this.ctx, group)),
    };
  }

  async modify(input: InputOf<"ModifyCacheSubnetGroup">): Promise<OutputOf<"ModifyCacheSubnetGroup">> {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    const description = parseDescription(input.CacheSubnetGroupDescription, false);
    const subnetIds = input.SubnetIds === undefined ? undefined : parseSubnetIds(input.SubnetIds, this.ctx.subnetIds ?? "any");
    if (name === DEFAULT_SUBNET_GROUP) {
      throw errors.invalidParameterValue("The default cache subnet group cannot be modified.");
    }
    const group = await this.ctx.store.subnetGroups.modify(name, {
      description,
      vpcId: subnetIds ? vpcIdOf(subnetIds) : undefined,
      subnets: subnetIds ? this.subnetsOf(subnetIds) : undefined,
    });
    return { CacheSubnetGroup: toCacheSubnetGroup(this.ctx, group) };
  }

  async delete(input: InputOf<"DeleteCacheSubnetGroup">): Promise<OutputOf<"DeleteCacheSubnetGroup">> {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    if (name === DEFAULT_SUBNET_GROUP) {
      throw errors.invalidParameterValue("The default cache subnet group cannot be deleted.");
    }
    await this.ctx.store.subnetGroups.delete(name, this.arn(name));
    return {};
  }

  private notFound(name: string) {
    return new AwsError("CacheSubnetGroupNotFoundFault", `Cache subnet group ${name} not found.`);
  }

  private alreadyExists(name: string) {
    return new AwsError("CacheSubnetGroupAlreadyExists", `Cache subnet group ${name} already exists.`);
  }
}
