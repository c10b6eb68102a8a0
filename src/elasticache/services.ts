/**
 * The services and the operation registry both protocols dispatch to. Adding an operation is a
 * line here plus its service method; the wire formats come from the service model.
 */
import { CacheClusterService } from "./cache-clusters.ts";
import type { ServiceContext } from "./context.ts";
import { EngineVersionService } from "./engine-versions.ts";
import { EventService } from "./events.ts";
import type { OperationHandler, OperationRegistry } from "../aws/operations.ts";
import { ReplicationGroupService } from "./replication-groups.ts";
import { asAwsError } from "./store-errors.ts";
import { SubnetGroupService } from "./subnet-groups.ts";
import { TagService } from "./tags.ts";

export interface Services {
  subnetGroups: SubnetGroupService;
  tags: TagService;
  replicationGroups: ReplicationGroupService;
  cacheClusters: CacheClusterService;
  events: EventService;
  engineVersions: EngineVersionService;
}

export function createServices(ctx: ServiceContext): Services {
  return {
    subnetGroups: new SubnetGroupService(ctx),
    tags: new TagService(ctx),
    replicationGroups: new ReplicationGroupService(ctx),
    cacheClusters: new CacheClusterService(ctx),
    events: new EventService(ctx),
    engineVersions: new EngineVersionService(ctx),
  };
}

/** Every handler's failure leaves as an AWS error: the store's refusals are translated here. */
const translated = (handler: OperationHandler): OperationHandler => (input, ctx) =>
  handler(input, ctx).catch((error: unknown) => {
    throw asAwsError(error);
  });

export function operationRegistry(services: Services): OperationRegistry {
  const { subnetGroups, tags, replicationGroups, cacheClusters, events, engineVersions } = services;
  const ops: Record<string, OperationHandler> = {
    CreateCacheSubnetGroup: (input) => subnetGroups.create(input),
    DescribeCacheSubnetGroups: (input) => subnetGroups.describe(input),
    ModifyCacheSubnetGroup: (input) => subnetGroups.modify(input),
    DeleteCacheSubnetGroup: (input) => subnetGroups.delete(input),
    AddTagsToResource: (input) => tags.add(input),
    ListTagsForResource: (input) => tags.list(input),
    RemoveTagsFromResource: (input) => tags.remove(input),
    CreateReplicationGroup: (input) => replicationGroups.create(input),
    DescribeReplicationGroups: (input) => replicationGroups.describe(input),
    ModifyReplicationGroup: (input) => replicationGroups.modify(input),
    DeleteReplicationGroup: (input) => replicationGroups.delete(input),
    IncreaseReplicaCount: (input) => replicationGroups.increaseReplicaCount(input),
    DecreaseReplicaCount: (input) => replicationGroups.decreaseReplicaCount(input),
    TestFailover: (input) => replicationGroups.testFailover(input),
    CreateCacheCluster: (input) => cacheClusters.create(input),
    DescribeCacheClusters: (input) => cacheClusters.describe(input),
    ModifyCacheCluster: (input) => cacheClusters.modify(input),
    DeleteCacheCluster: (input) => cacheClusters.delete(input),
    RebootCacheCluster: (input) => cacheClusters.reboot(input),
    DescribeEvents: (input) => events.describe(input),
    DescribeCacheEngineVersions: (input) => engineVersions.describe(input),
  };
  return Object.fromEntries(Object.entries(ops).map(([name, handler]) => [name, translated(handler)]));
}
