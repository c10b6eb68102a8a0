/**
 * Tags for every ElastiCache ARN: AddTagsToResource, ListTagsForResource, RemoveTagsFromResource.
 */
import type { Db } from "../store/database.ts";
import { parseArn, type ArnType } from "./arn.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "./errors.ts";
import { requiredString, stringList } from "./validate.ts";

export const MAX_TAGS_PER_RESOURCE = 50;

export interface TagInput {
  Key?: unknown;
  Value?: unknown;
}

export interface Tag {
  Key: string;
  Value: string;
}

/** AWS's tag character set: letters, numbers and spaces in any script, and _ . : / = + - @. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Validates a Tags list as AWS does: keys 1–128 characters, values up to 256, no "aws:" prefix,
 * only AWS's tag characters (a control character would not survive the Query protocol's XML).
 */
export function parseTags(value: unknown, param = "Tags"): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw errors.invalidParameterValue(`${param} must be a list of tags.`);
  const tags = value.map((tag: TagInput, index) => {
    if (typeof tag !== "object" || tag === null) throw errors.invalidParameterValue(`${param}[${index + 1}] must be a tag.`);
    const key = requiredString(tag.Key, `${param}.Tag.${index + 1}.Key`);
    const tagValue = tag.Value ?? "";
    if (typeof tagValue !== "string") throw errors.invalidParameterValue(`Tag value for "${key}" must be a string.`);
    if (key.length > 128) throw errors.invalidParameterValue(`Tag key "${key.slice(0, 20)}…" is longer than 128 characters.`);
    if (tagValue.length > 256) throw errors.invalidParameterValue(`Tag value for "${key}" is longer than 256 characters.`);
    if (key.toLowerCase().startsWith("aws:")) throw errors.invalidParameterValue(`Tag keys may not start with "aws:".`);
    for (const [what, text] of [["key", key], ["value", tagValue]]) {
      if (!TAG_CHARACTERS.test(text)) {
        throw errors.invalidParameterValue(
          `Tag ${what} ${JSON.stringify(text.slice(0, 40))} may contain only letters, numbers, spaces and _ . : / = + - @.`,
        );
      }
    }
    return { Key: key, Value: tagValue };
  });
  if (tags.length > MAX_TAGS_PER_RESOURCE) {
    throw new AwsError("TagQuotaPerResourceExceeded", `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
  }
  return tags;
}

type Tx = Pick<Db, "tag">;

export async function writeTags(tx: Tx, arn: string, tags: Tag[]): Promise<void> {
  for (const tag of tags) {
    await tx.tag.upsert({
      where: { arn_key: { arn, key: tag.Key } },
      create: { arn, key: tag.Key, value: tag.Value },
      update: { value: tag.Value },
    });
  }
}

export async function listTags(tx: Tx, arn: string): Promise<Tag[]> {
  const rows = await tx.tag.findMany({ where: { arn }, orderBy: { key: "asc" } });
  return rows.map((row) => ({ Key: row.key, Value: row.value }));
}

const NOT_FOUND: Record<ArnType, [string, string]> = {
  cluster: ["CacheClusterNotFound", "CacheCluster"],
  replicationgroup: ["ReplicationGroupNotFoundFault", "ReplicationGroup"],
  subnetgroup: ["CacheSubnetGroupNotFoundFault", "CacheSubnetGroup"],
  snapshot: ["SnapshotNotFoundFault", "Snapshot"],
  user: ["UserNotFound", "User"],
  usergroup: ["UserGroupNotFound", "UserGroup"],
  parametergroup: ["CacheParameterGroupNotFound", "CacheParameterGroup"],
};

async function resourceExists(db: Db, type: ArnType, id: string): Promise<boolean> {
  switch (type) {
    case "cluster":
      return (await db.cacheCluster.count({ where: { id } })) > 0;
    case "replicationgroup":
      return (await db.replicationGroup.count({ where: { id } })) > 0;
    case "subnetgroup":
      return (await db.cacheSubnetGroup.count({ where: { name: id } })) > 0;
    case "snapshot":
      return (await db.snapshot.count({ where: { name: id } })) > 0;
    case "user":
      return (await db.user.count({ where: { id } })) > 0;
    case "usergroup":
      return (await db.userGroup.count({ where: { id } })) > 0;
    case "parametergroup":
      return id.startsWith("default.");
  }
}

export class TagService {
  constructor(private readonly ctx: ServiceContext) {}

  private async resolve(resourceName: unknown): Promise<string> {
    if (resourceName === undefined || resourceName === null || resourceName === "") throw errors.missingParameter("ResourceName");
    const { type, id } = parseArn(this.ctx.account, resourceName);
    if (!(await resourceExists(this.ctx.db, type, id))) {
      const [code, kind] = NOT_FOUND[type];
      throw new AwsError(code, `${kind} ${id} not found.`);
    }
    return resourceName as string;
  }

  async add(input: { ResourceName?: unknown; Tags?: unknown }) {
    if (input.Tags === undefined) throw errors.missingParameter("Tags");
    const arn = await this.resolve(input.ResourceName);
    const tags = parseTags(input.Tags);
    const TagList = await this.ctx.db.$transaction(async (tx) => {
      const existing = new Set((await listTags(tx, arn)).map((tag) => tag.Key));
      const total = new Set([...existing, ...tags.map((tag) => tag.Key)]).size;
      if (total > MAX_TAGS_PER_RESOURCE) {
        throw new AwsError("TagQuotaPerResourceExceeded", `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
      }
      await writeTags(tx, arn, tags);
      return listTags(tx, arn);
    });
    return { TagList };
  }

  async list(input: { ResourceName?: unknown }) {
    const arn = await this.resolve(input.ResourceName);
    return { TagList: await listTags(this.ctx.db, arn) };
  }

  async remove(input: { ResourceName?: unknown; TagKeys?: unknown }) {
    const arn = await this.resolve(input.ResourceName);
    const keys = stringList(input.TagKeys, "TagKeys");
    if (!keys) throw errors.missingParameter("TagKeys");
    const TagList = await this.ctx.db.$transaction(async (tx) => {
      const existing = new Set((await listTags(tx, arn)).map((tag) => tag.Key));
      const missing = keys.find((key) => !existing.has(key));
      if (missing !== undefined) throw new AwsError("TagNotFound", `The tag "${missing}" is not on ${arn}.`);
      await tx.tag.deleteMany({ where: { arn, key: { in: keys } } });
      return listTags(tx, arn);
    });
    return { TagList };
  }
}
