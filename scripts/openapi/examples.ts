/**
 * Request examples for every REST route, by operationId: the README's story (a subnet group
 * `apps`, the 3-node group `demo` with automatic failover, a Memcached cluster `sessions`). They
 * are what Swagger UI fills in for "Try it out", and test/api/openapi-try-it-out.test.ts sends
 * each of them, in this order, to a real server: every one must be accepted as it is.
 */
const SUBNET_GROUP = { CacheSubnetGroupName: "apps" };
const GROUP = { ReplicationGroupId: "demo" };
const CLUSTER = { CacheClusterId: "sessions" };
const SNAPSHOT = { SnapshotName: "demo-backup" };
const PARAMETER_GROUP = { CacheParameterGroupName: "demo-params" };
const USER = { UserId: "app" };
const USER_GROUP = { UserGroupId: "apps" };
const GROUP_ARN = { ResourceName: "arn:aws:elasticache:us-east-1:000000000000:replicationgroup:demo" };

export interface RequestExample {
  /** Path parameters. */
  params?: Record<string, string>;
  /** Query parameters (GET routes' required fields). */
  query?: Record<string, string>;
  /** JSON body, for routes that take one. */
  body?: Record<string, unknown>;
}

/** In an order that works on an empty server, each write waiting for the previous one to settle. */
export const REQUEST_EXAMPLES: Record<string, RequestExample> = {
  CreateCacheSubnetGroup: {
    body: { ...SUBNET_GROUP, CacheSubnetGroupDescription: "Subnets of the apps VPC", SubnetIds: ["subnet-123", "subnet-456"] },
  },
  DescribeCacheSubnetGroups: {},
  DescribeCacheSubnetGroupsOne: { params: SUBNET_GROUP },
  ModifyCacheSubnetGroup: {
    params: SUBNET_GROUP,
    body: { CacheSubnetGroupDescription: "Subnets of the apps VPC, three zones", SubnetIds: ["subnet-123", "subnet-456", "subnet-789"] },
  },
  CreateCacheParameterGroup: { body: { ...PARAMETER_GROUP, CacheParameterGroupFamily: "redis7", Description: "demo: keyspace notifications, LRU over all keys" } },
  ModifyCacheParameterGroup: {
    params: PARAMETER_GROUP,
    body: {
      ParameterNameValues: [
        { ParameterName: "notify-keyspace-events", ParameterValue: "Ex" },
        { ParameterName: "maxmemory-policy", ParameterValue: "allkeys-lru" },
      ],
    },
  },
  DescribeCacheParameterGroups: {},
  DescribeCacheParameterGroupsOne: { params: PARAMETER_GROUP },
  DescribeCacheParameters: { params: PARAMETER_GROUP },
  DescribeEngineDefaultParameters: { query: { CacheParameterGroupFamily: "redis7" } },
  CreateReplicationGroup: {
    body: {
      ...GROUP,
      ReplicationGroupDescription: "demo",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
      CacheSubnetGroupName: "apps",
      CacheParameterGroupName: "demo-params",
      Tags: [{ Key: "team", Value: "cache" }],
    },
  },
  DescribeReplicationGroups: {},
  DescribeReplicationGroupsOne: { params: GROUP },
  ListAllowedNodeTypeModifications: { params: GROUP },
  AddTagsToResource: { params: GROUP_ARN, body: { Tags: [{ Key: "env", Value: "dev" }] } },
  ListTagsForResource: { params: GROUP_ARN },
  RemoveTagsFromResource: { params: GROUP_ARN, body: { TagKeys: ["env"] } },
  ModifyReplicationGroup: { params: GROUP, body: { ReplicationGroupDescription: "demo: three nodes, automatic failover", ApplyImmediately: true } },
  IncreaseReplicaCount: { params: GROUP, body: { NewReplicaCount: 3, ApplyImmediately: true } },
  DecreaseReplicaCount: { params: GROUP, body: { NewReplicaCount: 2, ApplyImmediately: true } },
  CreateSnapshot: { body: { ...GROUP, ...SNAPSHOT } },
  DescribeSnapshots: {},
  DescribeSnapshotsOne: { params: SNAPSHOT },
  CopySnapshot: { params: { SourceSnapshotName: SNAPSHOT.SnapshotName }, body: { TargetSnapshotName: "demo-backup-copy" } },
  DeleteSnapshot: { params: { SnapshotName: "demo-backup-copy" }, body: {} },
  ResetCacheParameterGroup: { params: PARAMETER_GROUP, body: { ParameterNameValues: [{ ParameterName: "maxmemory-policy" }] } },
  TestFailover: { params: GROUP, body: { NodeGroupId: "0001" } },
  CreateCacheCluster: {
    body: { ...CLUSTER, Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2, CacheSubnetGroupName: "apps" },
  },
  DescribeCacheClusters: {},
  DescribeCacheClustersOne: { params: CLUSTER },
  ModifyCacheCluster: { params: CLUSTER, body: { NumCacheNodes: 3, ApplyImmediately: true } },
  RebootCacheCluster: { params: CLUSTER, body: { CacheNodeIdsToReboot: ["0001"] } },
  CreateUser: { body: { ...USER, UserName: "app", Engine: "redis", AccessString: "on ~app:* +@all", Passwords: ["app-password-0123456789"] } },
  DescribeUsers: {},
  DescribeUsersOne: { params: USER },
  ModifyUser: { params: USER, body: { AccessString: "on ~app:* -@all +@read +@write" } },
  CreateUserGroup: { body: { ...USER_GROUP, Engine: "redis", UserIds: ["default", "app"] } },
  DescribeUserGroups: {},
  DescribeUserGroupsOne: { params: USER_GROUP },
  ModifyUserGroup: { params: USER_GROUP, body: { UserIdsToRemove: ["app"] } },
  DescribeEvents: {},
  DescribeCacheEngineVersions: {},
  GetCaCertificate: {},
  DescribeReservedCacheNodes: {},
  DescribeReservedCacheNodesOfferings: {},
  DescribeServiceUpdates: {},
  DescribeUpdateActions: {},
  DescribeGlobalReplicationGroups: {},
  DescribeCacheSecurityGroups: {},

  DeleteCacheCluster: { params: CLUSTER, body: {} },
  DeleteReplicationGroup: { params: GROUP, body: { RetainPrimaryCluster: false } },
  DeleteCacheSubnetGroup: { params: SUBNET_GROUP, body: {} },
  DeleteCacheParameterGroup: { params: PARAMETER_GROUP, body: {} },
  DeleteUserGroup: { params: USER_GROUP, body: {} },
  DeleteUser: { params: USER, body: {} },
};
