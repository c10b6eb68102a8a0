/**
 * The services and the operation registry both protocols dispatch to. Adding an operation is a
 * line here plus its service method; the wire formats come from the service model.
 */
import type { ServiceContext } from "./context.ts";
import type { OperationHandler, OperationRegistry } from "./operations.ts";
import { SubnetGroupService } from "./subnet-groups.ts";
import { TagService } from "./tags.ts";

export interface Services {
  subnetGroups: SubnetGroupService;
  tags: TagService;
}

export function createServices(ctx: ServiceContext): Services {
  return {
    subnetGroups: new SubnetGroupService(ctx),
    tags: new TagService(ctx),
  };
}

export function operationRegistry(services: Services): OperationRegistry {
  const { subnetGroups, tags } = services;
  const ops: Record<string, OperationHandler> = {
    CreateCacheSubnetGroup: (input) => subnetGroups.create(input),
    DescribeCacheSubnetGroups: (input) => subnetGroups.describe(input),
    ModifyCacheSubnetGroup: (input) => subnetGroups.modify(input),
    DeleteCacheSubnetGroup: (input) => subnetGroups.delete(input),
    AddTagsToResource: (input) => tags.add(input),
    ListTagsForResource: (input) => tags.list(input),
    RemoveTagsFromResource: (input) => tags.remove(input),
  };
  return ops;
}
