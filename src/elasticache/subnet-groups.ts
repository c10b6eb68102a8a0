/**
 * Cache subnet groups. In elasticache-local a subnet group is the nodes' network (a Docker
 * network with the Docker runtime); VPC, subnets and zones are derived deterministically from
 * the subnet ids so the same input always describes the same way.
 */
import { createHash } from "node:crypto";
import type { Db } from "../store/database.ts";
import { arnOf, type Account } from "../domain/arn.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "./errors.ts";
import { page, pageRequest } from "./paging.ts";
import { isUniqueViolation } from "./prisma-errors.ts";
import { listTags, parseTags, writeTags } from "./tags.ts";
import { optionalString, requiredString, stringList, subnetGroupName } from "./validate.ts";

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

function parseSubnetIds(value: unknown): string[] {
  const ids = stringList(value, "SubnetIds");
  if (!ids || ids.length === 0) throw errors.missingParameter("SubnetIds");
  const unique = [...new Set(ids)];
  if (unique.length > MAX_SUBNETS) {
    throw new AwsError("SubnetQuotaExceededFault", `A cache subnet group can have at most ${MAX_SUBNETS} subnets.`);
  }
  const bad = unique.find((id) => !/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
  if (bad !== undefined) throw new AwsError("InvalidSubnet", `The subnet ID ${bad} is not valid.`);
  return unique;
}

function parseDescription(value: unknown, required: boolean): string | undefined {
  if (required) requiredString(value, "CacheSubnetGroupDescription");
  return optionalString(value, "CacheSubnetGroupDescription", 255);
}

type GroupRow = Awaited<ReturnType<typeof loadGroups>>[number];

async function loadGroups(db: Pick<Db, "cacheSubnetGroup">, name?: string) {
  return db.cacheSubnetGroup.findMany({
    where: name === undefined ? {} : { name },
    include: { subnets: { orderBy: { subnetId: "asc" } } },
    orderBy: { name: "asc" },
  });
}

export function toCacheSubnetGroup(account: Account, row: GroupRow) {
  return {
    CacheSubnetGroupName: row.name,
    CacheSubnetGroupDescription: row.description,
    VpcId: row.vpcId,
    Subnets: row.subnets.map((subnet) => ({
      SubnetIdentifier: subnet.subnetId,
      SubnetAvailabilityZone: { Name: subnet.availabilityZone },
      SupportedNetworkTypes: ["ipv4"],
    })),
    ARN: arnOf(account, "subnetgroup", row.name),
    SupportedNetworkTypes: ["ipv4"],
  };
}

export class SubnetGroupService {
  constructor(private readonly ctx: ServiceContext) {}

  private arn(name: string) {
    return arnOf(this.ctx.account, "subnetgroup", name);
  }

  private subnetRows(ids: string[]) {
    return ids.map((subnetId) => ({ subnetId, availabilityZone: availabilityZoneOf(this.ctx.account.region, subnetId) }));
  }

  /** The `default` group every account has; created at start-up when missing. */
  async ensureDefault(): Promise<void> {
    const ids = defaultSubnetIds(this.ctx.account);
    try {
      await this.ctx.db.cacheSubnetGroup.create({
        data: {
          name: DEFAULT_SUBNET_GROUP,
          description: "Default CacheSubnetGroup",
          vpcId: vpcIdOf(ids),
          subnets: { create: this.subnetRows(ids) },
        },
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }

  async create(input: Record<string, unknown>) {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    const description = parseDescription(input.CacheSubnetGroupDescription, true)!;
    const subnetIds = parseSubnetIds(input.SubnetIds);
    const tags = parseTags(input.Tags);
    if (name === DEFAULT_SUBNET_GROUP) throw this.alreadyExists(name);
    try {
      const row = await this.ctx.db.$transaction(async (tx) => {
        await tx.cacheSubnetGroup.create({
          data: { name, description, vpcId: vpcIdOf(subnetIds), subnets: { create: this.subnetRows(subnetIds) } },
        });
        await writeTags(tx, this.arn(name), tags);
        return (await loadGroups(tx, name))[0];
      });
      return { CacheSubnetGroup: toCacheSubnetGroup(this.ctx.account, row) };
    } catch (error) {
      if (isUniqueViolation(error)) throw this.alreadyExists(name);
      throw error;
    }
  }

  async describe(input: Record<string, unknown>) {
    const request = pageRequest(input);
    const name =
      input.CacheSubnetGroupName === undefined ? undefined : subnetGroupName(input.CacheSubnetGroupName);
    const rows = await loadGroups(this.ctx.db, name);
    if (name !== undefined && rows.length === 0) throw this.notFound(name);
    const result = page(rows, (row) => row.name, request);
    return {
      Marker: result.Marker,
      CacheSubnetGroups: result.items.map((row) => toCacheSubnetGroup(this.ctx.account, row)),
    };
  }

  async modify(input: Record<string, unknown>) {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    const description = parseDescription(input.CacheSubnetGroupDescription, false);
    const subnetIds = input.SubnetIds === undefined ? undefined : parseSubnetIds(input.SubnetIds);
    if (name === DEFAULT_SUBNET_GROUP) {
      throw errors.invalidParameterValue("The default cache subnet group cannot be modified.");
    }
    const row = await this.ctx.db.$transaction(async (tx) => {
      const existing = await tx.cacheSubnetGroup.findUnique({ where: { name } });
      if (!existing) throw this.notFound(name);
      if (subnetIds) {
        await tx.subnet.deleteMany({ where: { groupName: name } });
        await tx.subnet.createMany({ data: this.subnetRows(subnetIds).map((subnet) => ({ ...subnet, groupName: name })) });
      }
      await tx.cacheSubnetGroup.update({
        where: { name },
        data: { description, vpcId: subnetIds ? vpcIdOf(subnetIds) : undefined },
      });
      return (await loadGroups(tx, name))[0];
    });
    return { CacheSubnetGroup: toCacheSubnetGroup(this.ctx.account, row) };
  }

  async delete(input: Record<string, unknown>) {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    if (name === DEFAULT_SUBNET_GROUP) {
      throw errors.invalidParameterValue("The default cache subnet group cannot be deleted.");
    }
    await this.ctx.db.$transaction(async (tx) => {
      const existing = await tx.cacheSubnetGroup.findUnique({ where: { name } });
      if (!existing) throw this.notFound(name);
      const users =
        (await tx.replicationGroup.count({ where: { subnetGroupName: name } })) +
        (await tx.cacheCluster.count({ where: { subnetGroupName: name } }));
      if (users > 0) throw new AwsError("CacheSubnetGroupInUse", `Cache subnet group ${name} is currently in use.`);
      await tx.tag.deleteMany({ where: { arn: this.arn(name) } });
      await tx.cacheSubnetGroup.delete({ where: { name } });
    });
  }

  /** Used by replication groups and clusters: the group must exist. */
  async require(name: string): Promise<void> {
    if ((await this.ctx.db.cacheSubnetGroup.count({ where: { name } })) === 0) throw this.notFound(name);
  }

  async tagsOf(name: string) {
    return listTags(this.ctx.db, this.arn(name));
  }

  private notFound(name: string) {
    return new AwsError("CacheSubnetGroupNotFoundFault", `Cache subnet group ${name} not found.`);
  }

  private alreadyExists(name: string) {
    return new AwsError("CacheSubnetGroupAlreadyExists", `Cache subnet group ${name} already exists.`);
  }
}
