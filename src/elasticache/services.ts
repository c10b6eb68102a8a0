/**
 * The services and the operation registry both protocols dispatch to. Adding an operation is a
 * line here plus its service method; the wire formats come from the service model.
 */
import { AbsentResourceService, absentResourceOperations } from "./absent-resources.ts";
import { CacheClusterService } from "./cache-clusters.ts";
import type { ServiceContext } from "./context.ts";
import { EngineVersionService } from "./engine-versions.ts";
import { EventService } from "./events.ts";
import type { OperationName, TypedHandler, TypedOperations } from "../aws/operations.ts";
import { NodeTypeModificationService } from "./node-type-modifications.ts";
import { ReplicationGroupService } from "./replication-groups.ts";
import { asAwsError } from "./store-errors.ts";
import { ParameterGroupService } from "./parameter-groups.ts";
import { SnapshotService } from "./snapshots.ts";
import { SubnetGroupService } from "./subnet-groups.ts";
import { TagService } from "./tags.ts";
import { refusingHandlers } from "./unbuilt-operations.ts";
import { UserService } from "./users.ts";

export interface Services {
  subnetGroups: SubnetGroupService;
  tags: TagService;
  replicationGroups: ReplicationGroupService;
  cacheClusters: CacheClusterService;
  events: EventService;
  engineVersions: EngineVersionService;
  snapshots: SnapshotService;
  parameterGroups: ParameterGroupService;
  nodeTypes: NodeTypeModificationService;
  absent: AbsentResourceService;
  users: UserService;
}

export function createServices(ctx: ServiceContext): Services {
  return {
    subnetGroups: new SubnetGroupService(ctx),
    tags: new TagService(ctx),
    replicationGroups: new ReplicationGroupService(ctx),
    cacheClusters: new CacheClusterService(ctx),
    events: new EventService(ctx),
    engineVersions: new EngineVersionService(ctx),
    snapshots: new SnapshotService(ctx),
    parameterGroups: new ParameterGroupService(ctx),
    nodeTypes: new NodeTypeModificationService(ctx),
    absent: new AbsentResourceService(),
    users: new UserService(ctx),
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
  // The rest of the model refuses naming the capability it waits for (unbuilt-operations.ts).
  return { ...refusingHandlers(), ...servedOperations(services) };
}

/** The operations elasticache-local really serves. */
export function servedOperations(services: Services): TypedOperations {
  const { subnetGroups, tags, replicationGroups, cacheClusters, events, engineVersions, nodeTypes, absent, snapshots, parameterGroups, users } = services;
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
    CreateCacheCluster: translated((input) => cacheClusters.create(input)),
    DescribeCacheClusters: translated((input) => cacheClusters.describe(input)),
    ModifyCacheCluster: translated((input) => cacheClusters.modify(input)),
    DeleteCacheCluster: translated((input) => cacheClusters.delete(input)),
    RebootCacheCluster: translated((input) => cacheClusters.reboot(input)),
    DescribeEvents: translated((input) => events.describe(input)),
    DescribeCacheEngineVersions: translated((input) => engineVersions.describe(input)),
    CreateSnapshot: translated((input) => snapshots.create(input)),
    DescribeSnapshots: translated((input) => snapshots.describe(input)),
    CopySnapshot: translated((input) => snapshots.copy(input)),
    DeleteSnapshot: translated((input) => snapshots.delete(input)),
    CreateCacheParameterGroup: translated((input) => parameterGroups.create(input)),
    DescribeCacheParameterGroups: translated((input) => parameterGroups.describe(input)),
    ModifyCacheParameterGroup: translated((input) => parameterGroups.modify(input)),
    ResetCacheParameterGroup: translated((input) => parameterGroups.reset(input)),
    DeleteCacheParameterGroup: translated((input) => parameterGroups.delete(input)),
    DescribeCacheParameters: translated((input) => parameterGroups.describeParameters(input)),
    DescribeEngineDefaultParameters: translated((input) => parameterGroups.describeEngineDefaults(input)),
    ListAllowedNodeTypeModifications: translated((input) => nodeTypes.list(input)),
    CreateUser: translated((input) => users.createUser(input)),
    ModifyUser: translated((input) => users.modifyUser(input)),
    DeleteUser: translated((input) => users.deleteUser(input)),
    DescribeUsers: translated((input) => users.describeUsers(input)),
    CreateUserGroup: translated((input) => users.createUserGroup(input)),
    ModifyUserGroup: translated((input) => users.modifyUserGroup(input)),
    DeleteUserGroup: translated((input) => users.deleteUserGroup(input)),
    DescribeUserGroups: translated((input) => users.describeUserGroups(input)),
    // Resources that cannot exist here: empty lists, named ones not found.
    ...absentResourceOperations(absent),
  };
}
