/**
 * Tags for every ElastiCache ARN: AddTagsToResource, ListTagsForResource, RemoveTagsFromResource,
 * and AWS's rules for a Tags list (also used by the creates).
 */
import type { ArnType } from "../domain/arn.ts";
import type { Tag as DomainTag } from "../domain/model.ts";
import { parseArn } from "./arn.ts";
import type { ServiceContext } from "./context.ts";
import { AwsError, errors } from "../aws/errors.ts";
import { toTagList } from "./shapes.ts";
import { requiredString, stringList } from "./validate.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";

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

/** Tags of a new resource, as the store writes them with it. */
export const tagsFor = (arn: string, tags: Tag[]) => ({ arn, tags: tags.map((tag): DomainTag => ({ key: tag.Key, value: tag.Value })) });

const NOT_FOUND: Record<ArnType, [string, string]> = {
  cluster: ["CacheClusterNotFound", "CacheCluster"],
  replicationgroup: ["ReplicationGroupNotFoundFault", "ReplicationGroup"],
  subnetgroup: ["CacheSubnetGroupNotFoundFault", "CacheSubnetGroup"],
  snapshot: ["SnapshotNotFoundFault", "Snapshot"],
  user: ["UserNotFound", "User"],
  usergroup: ["UserGroupNotFound", "UserGroup"],
  parametergroup: ["CacheParameterGroupNotFound", "CacheParameterGroup"],
};

export class TagService {
  constructor(private readonly ctx: ServiceContext) {}

  private async resolve(resourceName: unknown): Promise<string> {
    if (resourceName === undefined || resourceName === null || resourceName === "") throw errors.missingParameter("ResourceName");
    const { type, id } = parseArn(this.ctx.account, resourceName);
    if (!(await this.ctx.store.tags.resourceExists(type, id))) {
      const [code, kind] = NOT_FOUND[type];
      throw new AwsError(code, `${kind} ${id} not found.`);
    }
    return resourceName as string;
  }

  async add(input: InputOf<"AddTagsToResource">): Promise<OutputOf<"AddTagsToResource">> {
    if (input.Tags === undefined) throw errors.missingParameter("Tags");
    const arn = await this.resolve(input.ResourceName);
    const { tags } = tagsFor(arn, parseTags(input.Tags));
    return { TagList: toTagList(await this.ctx.store.tags.add(arn, tags, MAX_TAGS_PER_RESOURCE)) };
  }

  async list(input: InputOf<"ListTagsForResource">): Promise<OutputOf<"ListTagsForResource">> {
    const arn = await this.resolve(input.ResourceName);
    return { TagList: toTagList(await this.ctx.store.tags.list(arn)) };
  }

  async remove(input: InputOf<"RemoveTagsFromResource">): Promise<OutputOf<"RemoveTagsFromResource">> {
    const arn = await this.resolve(input.ResourceName);
    const keys = stringList(input.TagKeys, "TagKeys");
    if (!keys) throw errors.missingParameter("TagKeys");
    return { TagList: toTagList(await this.ctx.store.tags.remove(arn, keys)) };
  }
}
