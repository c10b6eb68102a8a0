/**
 * Tags of every ElastiCache ARN. Written with the resource they belong to (creates) or on their
 * own (AddTagsToResource); the per-resource quota is checked after the write inside the same
 * serializable transaction, so two concurrent additions cannot together pass it.
 */
import type { ArnType } from "../domain/arn.ts";
import type { Tag } from "../domain/model.ts";
import type { Db, Tx } from "./database.ts";
import { QuotaError, TagNotFoundError } from "./errors.ts";

export async function writeTags(tx: Tx, arn: string, tags: readonly Tag[]): Promise<void> {
  for (const tag of tags) {
    await tx.tag.upsert({
      where: { arn_key: { arn, key: tag.key } },
      create: { arn, key: tag.key, value: tag.value },
      update: { value: tag.value },
    });
  }
}

export async function deleteTags(tx: Tx, arn: string): Promise<void> {
  await tx.tag.deleteMany({ where: { arn } });
}

async function listTags(tx: Tx, arn: string): Promise<Tag[]> {
  const rows = await tx.tag.findMany({ where: { arn }, orderBy: { key: "asc" } });
  return rows.map((row) => ({ key: row.key, value: row.value }));
}

export class TagRepository {
  constructor(private readonly db: Db) {}

  list(arn: string): Promise<Tag[]> {
    return listTags(this.db, arn);
  }

  /** Adds or overwrites tags; refuses when the resource would have more than `limit`. Returns all its tags. */
  add(arn: string, tags: Tag[], limit: number): Promise<Tag[]> {
    return this.db.$transaction(
      async (tx) => {
        await writeTags(tx, arn, tags);
        const total = await tx.tag.count({ where: { arn } });
        if (total > limit) throw new QuotaError("tags-per-resource", limit, total);
        return listTags(tx, arn);
      },
      { isolationLevel: "Serializable" },
    );
  }

  /** Removes tags; every key must be on the resource. Returns the tags left. */
  async remove(arn: string, keys: string[]): Promise<Tag[]> {
    const unique = [...new Set(keys)];
    try {
      return await this.db.$transaction(async (tx) => {
        const { count } = await tx.tag.deleteMany({ where: { arn, key: { in: unique } } });
        // Some key was not there: the removal is undone, and the missing key named below.
        if (count < unique.length) throw new TagNotFoundError("");
        return listTags(tx, arn);
      });
    } catch (error) {
      if (!(error instanceof TagNotFoundError)) throw error;
      const present = new Set((await listTags(this.db, arn)).map((tag) => tag.key));
      throw new TagNotFoundError(unique.find((key) => !present.has(key)) ?? unique[0]);
    }
  }

  /** Whether the resource an ARN names exists (tags can only be put on resources that do). */
  async resourceExists(type: ArnType, id: string): Promise<boolean> {
    switch (type) {
      case "cluster":
        return (await this.db.cacheCluster.count({ where: { id } })) > 0;
      case "replicationgroup":
        return (await this.db.replicationGroup.count({ where: { id } })) > 0;
      case "subnetgroup":
        return (await this.db.cacheSubnetGroup.count({ where: { name: id } })) > 0;
      case "parametergroup":
        return id.startsWith("default.") || (await this.db.cacheParameterGroup.count({ where: { name: id } })) > 0;
      case "snapshot":
        return (await this.db.snapshot.count({ where: { name: id } })) > 0;
      case "user":
        return (await this.db.rbacUser.count({ where: { userId: id } })) > 0;
      case "usergroup":
        return (await this.db.rbacUserGroup.count({ where: { userGroupId: id } })) > 0;
      default:
        return false;
    }
  }
}
