/**
 * The services and the operation registry both protocols dispatch to. Adding an operation is a
 * line here plus its service method; the wire formats come from the service model.
 */
import { CacheClusterService } from "./cache-clusters.ts";
import type { ServiceContext } from "./context.ts";
import { EngineVersionService } from "./engine-versions.ts";
import { EventService } from "./events.ts";
import type { OperationName, TypedHandler, TypedOperations } from "../aws/operations.ts";
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
function translated<Op extends OperationName>(handler: TypedHandler<Op>): TypedHandler<Op> {
  return (input, ctx) =>
    handler(input, ctx).catch((error: unknown) => {
      throw asAwsError(error);
    });
}

/**
 * The operations, each typed with the AWS SDK's `<Op>CommandInput` / `<Op>CommandOutput`: a
 * service that answers with a member the model lacks, or misspells one, does not compile.
 */
export function operationRegistry(services: Services): TypedOperations {
  const { subnetGroups, tags, replicationGroups, cacheClusters, events, engineVersions } = services;
  return {
    CreateCacheSubnetGroup: translated((input) => subnetGroups.create(input)),
    DescribeCacheSubnetGroups: translated((input) => subnetGroups.describe(input)),
    ModifyCacheSubnetGroup: translated((input) => subnetGroups.modify(input)),
    DeleteCacheSubnetGroup: translated((input) => subnetGroups.delete(input)),
    AddTagsToResource: translated((input) => tags.add(input)),
    ListTagsForResource: translated((input) => tags.list(input)),
    RemoveTagsFromResource: translated((input) => tags.remove(input)),
    CreateReplicationGroup: translated((input) => replicationGroups.create(input)),
    DescribeReplicationGroups: translated((input) => replicationGroups.describe(input)),
    ModifyReplicationGroup: translated((input) => replicationGroups.modify(input)),
    DeleteReplicationGroup: translated((input) => replicationGroups.delete(input)),
    IncreaseReplicaCount: translated((input) => replicationGroups.increaseReplicaCount(input)),
    DecreaseReplicaCount: translated((input) => replicationGroups.decreaseReplicaCount(input)),
    TestFailover: translated((input) => replicationGroups.testFailover(input)),
    ModifyReplicationGroupShardConfiguration: translated((input) => replicationGroups.modifyShardConfiguration(input)),
    CreateCacheCluster: translated((input) => cacheClusters.create(input)),
    DescribeCacheClusters: translated((input) => cacheClusters.describe(input)),
    ModifyCacheCluster: translated((input) => cacheClusters.modify(input)),
    DeleteCacheCluster: translated((input) => cacheClusters.delete(input)),
    RebootCacheCluster: translated((input) => cacheClusters.reboot(input)),
    DescribeEvents: translated((input) => events.describe(input)),
    DescribeCacheEngineVersions: translated((input) => engineVersions.describe(input)),
  };
}
