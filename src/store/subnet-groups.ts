/**
 * Cache subnet groups with their subnets. A group in use by a replication group or cluster cannot
 * be deleted: the foreign keys (ON DELETE RESTRICT) refuse it, so a delete racing a create that
 * uses the group cannot leave that resource without its network.
 */
import type { SubnetGroup, Subnet, Tag } from "../domain/model.ts";
import type { Db } from "./database.ts";
import { AlreadyExistsError, InUseError, isForeignKeyViolation, isRecordMissing, NotFoundError, uniqueViolation } from "./errors.ts";
import { toSubnetGroup, subnetGroupInclude } from "./rows.ts";
import { deleteTags, writeTags } from "./tags.ts";

export interface NewSubnetGroup {
  name: string;
  description: string;
  vpcId: string;
  subnets: Subnet[];
}

export class SubnetGroupRepository {
  constructor(private readonly db: Db) {}

  async list(name?: string): Promise<SubnetGroup[]> {
    const rows = await this.db.cacheSubnetGroup.findMany({ where: name === undefined ? {} : { name }, include: subnetGroupInclude, orderBy: { name: "asc" } });
    return rows.map(toSubnetGroup);
  }

  async get(name: string): Promise<SubnetGroup | undefined> {
    return (await this.list(name))[0];
  }

  async create(group: NewSubnetGroup, tags: { arn: string; tags: Tag[] }): Promise<SubnetGroup> {
    try {
      return await this.db.$transaction(async (tx) => {
        const row = await tx.cacheSubnetGroup.create({
          data: { name: group.name, description: group.description, vpcId: group.vpcId, subnets: { create: group.subnets } },
          include: subnetGroupInclude,
        });
        await writeTags(tx, tags.arn, tags.tags);
        return toSubnetGroup(row);
      });
    } catch (error) {
      throw uniqueViolation(error) ? new AlreadyExistsError("subnet-group", group.name) : error;
    }
  }

  /** Creates the group unless one of that name exists. */
  async ensure(group: NewSubnetGroup): Promise<void> {
    await this.create(group, { arn: "", tags: [] }).catch((error) => {
      if (!(error instanceof AlreadyExistsError)) throw error;
    });
  }

  async modify(name: string, change: { description?: string; vpcId?: string; subnets?: Subnet[] }): Promise<SubnetGroup> {
    try {
      return await this.db.$transaction(async (tx) => {
        const row = await tx.cacheSubnetGroup.update({
          where: { name },
          data: {
            description: change.description,
            vpcId: change.vpcId,
            subnets: change.subnets ? { deleteMany: {}, create: change.subnets } : undefined,
          },
          include: subnetGroupInclude,
        });
        return toSubnetGroup(row);
      });
    } catch (error) {
      throw isRecordMissing(error) ? new NotFoundError("subnet-group", name) : error;
    }
  }

  async delete(name: string, arn: string): Promise<void> {
    try {
      await this.db.$transaction(async (tx) => {
        await deleteTags(tx, arn);
        await tx.cacheSubnetGroup.delete({ where: { name } });
      });
    } catch (error) {
      if (isRecordMissing(error)) throw new NotFoundError("subnet-group", name);
      if (isForeignKeyViolation(error)) throw new InUseError("subnet-group", name);
      throw error;
    }
  }

  /** Availability zones of the group's subnets, sorted; undefined when the group does not exist. */
  async zonesOf(name: string): Promise<string[] | undefined> {
    const subnets = await this.db.subnet.findMany({ where: { groupName: name }, select: { availabilityZone: true } });
    const zones = [...new Set(subnets.map((subnet) => subnet.availabilityZone))].sort();
    return zones.length === 0 ? undefined : zones;
  }
}
