/**
 * The REST API's resource paths, one row per AWS operation. The server registers routes from
 * this table and the SDK shim builds its requests from it, so the two cannot drift apart.
 * Path parameters carry AWS field names; GET routes take the operation's scalar input fields
 * in the query string, every other method takes the AWS input shape as its JSON body.
 */
export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface RestRoute {
  operation: string;
  method: HttpMethod;
  /** Fastify path; `:Name` segments are AWS input members. */
  path: string;
  summary: string;
  tag: string;
  /** GET of one resource: the Describe output's list is unwrapped into a single member. */
  single?: { list: string; as: string };
  /** Writes that a client can wait on with ?wait=true: how to find the resource and its status. */
  waits?: WaitTarget;
}

export interface WaitTarget {
  /** Output member holding the resource, e.g. "ReplicationGroup". */
  output: string;
  idField: string;
  statusField: string;
  describe: string;
  list: string;
}

const GROUP_WAIT: WaitTarget = { output: "ReplicationGroup", idField: "ReplicationGroupId", statusField: "Status", describe: "DescribeReplicationGroups", list: "ReplicationGroups" };
const CLUSTER_WAIT: WaitTarget = { output: "CacheCluster", idField: "CacheClusterId", statusField: "CacheClusterStatus", describe: "DescribeCacheClusters", list: "CacheClusters" };

const route = (operation: string, method: HttpMethod, path: string, tag: string, summary: string, single?: RestRoute["single"]): RestRoute => ({
  operation,
  method,
  path,
  tag,
  summary,
  ...(single ? { single } : {}),
});

const waiting = (target: WaitTarget, base: RestRoute): RestRoute => ({ ...base, waits: target });

const SUBNET_GROUPS = "/v1/cache-subnet-groups";
const REPLICATION_GROUPS = "/v1/replication-groups";
const CACHE_CLUSTERS = "/v1/cache-clusters";
const SNAPSHOTS = "/v1/snapshots";
const PARAMETER_GROUPS = "/v1/cache-parameter-groups";
const USERS = "/v1/users";
const USER_GROUPS = "/v1/user-groups";

export const REST_ROUTES: readonly RestRoute[] = [
  route("CreateCacheSubnetGroup", "POST", SUBNET_GROUPS, "Cache subnet groups", "Create a cache subnet group"),
  route("DescribeCacheSubnetGroups", "GET", SUBNET_GROUPS, "Cache subnet groups", "List cache subnet groups"),
  route("DescribeCacheSubnetGroups", "GET", `${SUBNET_GROUPS}/:CacheSubnetGroupName`, "Cache subnet groups", "Describe one cache subnet group", { list: "CacheSubnetGroups", as: "CacheSubnetGroup" }),
  route("ModifyCacheSubnetGroup", "PATCH", `${SUBNET_GROUPS}/:CacheSubnetGroupName`, "Cache subnet groups", "Modify a cache subnet group"),
  route("DeleteCacheSubnetGroup", "DELETE", `${SUBNET_GROUPS}/:CacheSubnetGroupName`, "Cache subnet groups", "Delete a cache subnet group"),

  waiting(GROUP_WAIT, route("CreateReplicationGroup", "POST", REPLICATION_GROUPS, "Replication groups", "Create a replication group")),
  route("DescribeReplicationGroups", "GET", REPLICATION_GROUPS, "Replication groups", "List replication groups"),
  route("DescribeReplicationGroups", "GET", `${REPLICATION_GROUPS}/:ReplicationGroupId`, "Replication groups", "Describe one replication group", { list: "ReplicationGroups", as: "ReplicationGroup" }),
  waiting(GROUP_WAIT, route("ModifyReplicationGroup", "PATCH", `${REPLICATION_GROUPS}/:ReplicationGroupId`, "Replication groups", "Modify a replication group")),
  waiting(GROUP_WAIT, route("DeleteReplicationGroup", "DELETE", `${REPLICATION_GROUPS}/:ReplicationGroupId`, "Replication groups", "Delete a replication group")),
  waiting(GROUP_WAIT, route("IncreaseReplicaCount", "POST", `${REPLICATION_GROUPS}/:ReplicationGroupId/increase-replica-count`, "Replication groups", "Add replicas")),
  waiting(GROUP_WAIT, route("DecreaseReplicaCount", "POST", `${REPLICATION_GROUPS}/:ReplicationGroupId/decrease-replica-count`, "Replication groups", "Remove replicas")),
  waiting(GROUP_WAIT, route("TestFailover", "POST", `${REPLICATION_GROUPS}/:ReplicationGroupId/test-failover`, "Replication groups", "Fail over a node group's primary")),

  waiting(CLUSTER_WAIT, route("CreateCacheCluster", "POST", CACHE_CLUSTERS, "Cache clusters", "Create a cache cluster")),
  route("DescribeCacheClusters", "GET", CACHE_CLUSTERS, "Cache clusters", "List cache clusters"),
  route("DescribeCacheClusters", "GET", `${CACHE_CLUSTERS}/:CacheClusterId`, "Cache clusters", "Describe one cache cluster", { list: "CacheClusters", as: "CacheCluster" }),
  waiting(CLUSTER_WAIT, route("ModifyCacheCluster", "PATCH", `${CACHE_CLUSTERS}/:CacheClusterId`, "Cache clusters", "Modify a cache cluster")),
  waiting(CLUSTER_WAIT, route("DeleteCacheCluster", "DELETE", `${CACHE_CLUSTERS}/:CacheClusterId`, "Cache clusters", "Delete a cache cluster")),
  waiting(CLUSTER_WAIT, route("RebootCacheCluster", "POST", `${CACHE_CLUSTERS}/:CacheClusterId/reboot`, "Cache clusters", "Reboot cache nodes")),

  route("CreateSnapshot", "POST", SNAPSHOTS, "Snapshots", "Take a snapshot of a replication group or a Redis cache cluster"),
  route("DescribeSnapshots", "GET", SNAPSHOTS, "Snapshots", "List snapshots"),
  route("DescribeSnapshots", "GET", `${SNAPSHOTS}/:SnapshotName`, "Snapshots", "Describe one snapshot", { list: "Snapshots", as: "Snapshot" }),
  route("DeleteSnapshot", "DELETE", `${SNAPSHOTS}/:SnapshotName`, "Snapshots", "Delete a snapshot and its files"),
  route("CopySnapshot", "POST", `${SNAPSHOTS}/:SourceSnapshotName/copy`, "Snapshots", "Copy a snapshot, or export it to a bucket (TargetBucket)"),

  route("CreateCacheParameterGroup", "POST", PARAMETER_GROUPS, "Cache parameter groups", "Create a cache parameter group"),
  route("DescribeCacheParameterGroups", "GET", PARAMETER_GROUPS, "Cache parameter groups", "List cache parameter groups (the default.* groups included)"),
  route("DescribeCacheParameterGroups", "GET", `${PARAMETER_GROUPS}/:CacheParameterGroupName`, "Cache parameter groups", "Describe one cache parameter group", { list: "CacheParameterGroups", as: "CacheParameterGroup" }),
  route("ModifyCacheParameterGroup", "PATCH", `${PARAMETER_GROUPS}/:CacheParameterGroupName`, "Cache parameter groups", "Set parameters; clusters using the group apply them live or at their next reboot"),
  route("ResetCacheParameterGroup", "POST", `${PARAMETER_GROUPS}/:CacheParameterGroupName/reset`, "Cache parameter groups", "Reset parameters to their defaults"),
  route("DeleteCacheParameterGroup", "DELETE", `${PARAMETER_GROUPS}/:CacheParameterGroupName`, "Cache parameter groups", "Delete a cache parameter group no cluster uses"),
  route("DescribeCacheParameters", "GET", `${PARAMETER_GROUPS}/:CacheParameterGroupName/parameters`, "Cache parameter groups", "List a group's parameters"),
  route("DescribeEngineDefaultParameters", "GET", "/v1/engine-default-parameters", "Cache parameter groups", "List a family's default parameters"),

  route("CreateUser", "POST", USERS, "Users and user groups", "Create an RBAC user (a Redis ACL user on the nodes of groups using its user groups)"),
  route("DescribeUsers", "GET", USERS, "Users and user groups", "List users (the default user included)"),
  route("DescribeUsers", "GET", `${USERS}/:UserId`, "Users and user groups", "Describe one user", { list: "Users", as: "User" }),
  route("ModifyUser", "PATCH", `${USERS}/:UserId`, "Users and user groups", "Change a user's access string or passwords"),
  route("DeleteUser", "DELETE", `${USERS}/:UserId`, "Users and user groups", "Delete a user (it leaves its user groups and their nodes)"),
  route("CreateUserGroup", "POST", USER_GROUPS, "Users and user groups", "Create a user group (it must hold a user named default)"),
  route("DescribeUserGroups", "GET", USER_GROUPS, "Users and user groups", "List user groups"),
  route("DescribeUserGroups", "GET", `${USER_GROUPS}/:UserGroupId`, "Users and user groups", "Describe one user group", { list: "UserGroups", as: "UserGroup" }),
  route("ModifyUserGroup", "PATCH", `${USER_GROUPS}/:UserGroupId`, "Users and user groups", "Add users to or remove users from a user group"),
  route("DeleteUserGroup", "DELETE", `${USER_GROUPS}/:UserGroupId`, "Users and user groups", "Delete a user group no replication group uses"),

  route("DescribeEvents", "GET", "/v1/events", "Events", "List events"),
  route("DescribeCacheEngineVersions", "GET", "/v1/cache-engine-versions", "Engines", "List the engines this machine can run"),

  route("ListAllowedNodeTypeModifications", "GET", `${REPLICATION_GROUPS}/:ReplicationGroupId/allowed-node-type-modifications`, "Replication groups", "Node types the group can move to"),

  // Resources that cannot exist here (src/elasticache/absent-resources.ts): AWS-valid empty lists.
  // Their writes only ever refuse, so they are served on the Query endpoint alone, as are the
  // serverless Describes (NextToken paging, which the SDK shim's paginators do not speak).
  route("DescribeReservedCacheNodes", "GET", "/v1/reserved-cache-nodes", "Accounts without them", "List reserved cache nodes (none: nothing is billed)"),
  route("DescribeReservedCacheNodesOfferings", "GET", "/v1/reserved-cache-nodes-offerings", "Accounts without them", "List reserved node offerings (none)"),
  route("DescribeServiceUpdates", "GET", "/v1/service-updates", "Accounts without them", "List service updates (none: the engines are this machine's)"),
  route("DescribeUpdateActions", "GET", "/v1/update-actions", "Accounts without them", "List update actions (none)"),
  route("DescribeGlobalReplicationGroups", "GET", "/v1/global-replication-groups", "Accounts without them", "List global datastores (none: one region)"),
  route("DescribeCacheSecurityGroups", "GET", "/v1/cache-security-groups", "Accounts without them", "List cache security groups (none: EC2-Classic is retired)"),

  route("ListTagsForResource", "GET", "/v1/tags/:ResourceName", "Tags", "List the tags of a resource (ARN)"),
  route("AddTagsToResource", "POST", "/v1/tags/:ResourceName", "Tags", "Add or overwrite tags on a resource (ARN)"),
  route("RemoveTagsFromResource", "DELETE", "/v1/tags/:ResourceName", "Tags", "Remove tags from a resource (ARN)"),
];

export function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]);
}
