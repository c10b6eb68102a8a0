/**
 * Operations about resources that cannot exist in elasticache-local, answered as AWS answers an
 * account that has none: Describe* lists are empty (after their paging input is checked) and a
 * named one is not found. Reserved nodes and offerings (nothing is billed), service updates (the
 * engines are the machine's), global datastores (one region), cache security groups (EC2-Classic,
 * which AWS retired: creating one is refused as AWS refuses it today), serverless caches.
 */
import { AwsError } from "../aws/errors.ts";
import type { InputOf, OutputOf, TypedOperations } from "../aws/operations.ts";
import { pageRequest } from "./paging.ts";
import { optionalInt, optionalString, requiredString } from "./validate.ts";

const notFound = (code: string, what: string, name: string) => new AwsError(code, `${what} ${name} not found.`);

/** A name given to look one resource up: none exists, so it is not found. */
function refuseNamed(value: unknown, param: string, code: string, what: string): void {
  const name = optionalString(value, param, 255);
  if (name !== undefined) throw notFound(code, what, name);
}

/** Serverless operations page with MaxResults / NextToken instead of MaxRecords / Marker. */
function serverlessPage(input: { MaxResults?: unknown; NextToken?: unknown }): void {
  optionalInt(input.MaxResults, "MaxResults", 1, 100);
  const token = optionalString(input.NextToken, "NextToken");
  if (token !== undefined) throw new AwsError("InvalidParameterValue", `Invalid NextToken "${token}".`);
}

export class AbsentResourceService {
  async describeReservedCacheNodes(input: InputOf<"DescribeReservedCacheNodes">): Promise<OutputOf<"DescribeReservedCacheNodes">> {
    pageRequest(input);
    refuseNamed(input.ReservedCacheNodeId, "ReservedCacheNodeId", "ReservedCacheNodeNotFound", "Reserved cache node");
    return { ReservedCacheNodes: [] };
  }

  async describeReservedCacheNodesOfferings(
    input: InputOf<"DescribeReservedCacheNodesOfferings">,
  ): Promise<OutputOf<"DescribeReservedCacheNodesOfferings">> {
    pageRequest(input);
    refuseNamed(input.ReservedCacheNodesOfferingId, "ReservedCacheNodesOfferingId", "ReservedCacheNodesOfferingNotFound", "Reserved cache nodes offering");
    return { ReservedCacheNodesOfferings: [] };
  }

  async purchaseReservedCacheNodesOffering(
    input: InputOf<"PurchaseReservedCacheNodesOffering">,
  ): Promise<OutputOf<"PurchaseReservedCacheNodesOffering">> {
    const id = requiredString(input.ReservedCacheNodesOfferingId, "ReservedCacheNodesOfferingId");
    throw notFound("ReservedCacheNodesOfferingNotFound", "Reserved cache nodes offering", id);
  }

  async describeServiceUpdates(input: InputOf<"DescribeServiceUpdates">): Promise<OutputOf<"DescribeServiceUpdates">> {
    pageRequest(input);
    return { ServiceUpdates: [] };
  }

  async describeUpdateActions(input: InputOf<"DescribeUpdateActions">): Promise<OutputOf<"DescribeUpdateActions">> {
    pageRequest(input);
    return { UpdateActions: [] };
  }

  async applyOrStopUpdateAction(input: InputOf<"BatchApplyUpdateAction">): Promise<OutputOf<"BatchApplyUpdateAction">> {
    const name = requiredString(input.ServiceUpdateName, "ServiceUpdateName");
    throw notFound("ServiceUpdateNotFoundFault", "Service update", name);
  }

  async describeGlobalReplicationGroups(
    input: InputOf<"DescribeGlobalReplicationGroups">,
  ): Promise<OutputOf<"DescribeGlobalReplicationGroups">> {
    pageRequest(input);
    refuseNamed(input.GlobalReplicationGroupId, "GlobalReplicationGroupId", "GlobalReplicationGroupNotFoundFault", "Global replication group");
    return { GlobalReplicationGroups: [] };
  }

  async describeCacheSecurityGroups(input: InputOf<"DescribeCacheSecurityGroups">): Promise<OutputOf<"DescribeCacheSecurityGroups">> {
    pageRequest(input);
    refuseNamed(input.CacheSecurityGroupName, "CacheSecurityGroupName", "CacheSecurityGroupNotFound", "CacheSecurityGroup");
    return { CacheSecurityGroups: [] };
  }

  async createCacheSecurityGroup(input: InputOf<"CreateCacheSecurityGroup">): Promise<OutputOf<"CreateCacheSecurityGroup">> {
    requiredString(input.CacheSecurityGroupName, "CacheSecurityGroupName");
    requiredString(input.Description, "Description");
    throw new AwsError(
      "InvalidParameterValue",
      "Use of cache security groups is not permitted in this region: nodes are in a VPC (a cache subnet group), as on AWS since EC2-Classic was retired.",
    );
  }

  /** Delete, Authorize and Revoke name a cache security group, and none exists. */
  async missingCacheSecurityGroup(input: { CacheSecurityGroupName?: unknown }): Promise<never> {
    const name = requiredString(input.CacheSecurityGroupName, "CacheSecurityGroupName");
    throw notFound("CacheSecurityGroupNotFound", "CacheSecurityGroup", name);
  }

  async describeServerlessCaches(input: InputOf<"DescribeServerlessCaches">): Promise<OutputOf<"DescribeServerlessCaches">> {
    serverlessPage(input);
    refuseNamed(input.ServerlessCacheName, "ServerlessCacheName", "ServerlessCacheNotFoundFault", "Serverless cache");
    return { ServerlessCaches: [] };
  }

  async describeServerlessCacheSnapshots(
    input: InputOf<"DescribeServerlessCacheSnapshots">,
  ): Promise<OutputOf<"DescribeServerlessCacheSnapshots">> {
    serverlessPage(input);
    refuseNamed(input.ServerlessCacheName, "ServerlessCacheName", "ServerlessCacheNotFoundFault", "Serverless cache");
    refuseNamed(input.ServerlessCacheSnapshotName, "ServerlessCacheSnapshotName", "ServerlessCacheSnapshotNotFoundFault", "Serverless cache snapshot");
    return { ServerlessCacheSnapshots: [] };
  }
}

/** The operations this module answers, for the registry (services.ts) and the README's table. */
export function absentResourceOperations(absent: AbsentResourceService): TypedOperations {
  return {
    DescribeReservedCacheNodes: (input) => absent.describeReservedCacheNodes(input),
    DescribeReservedCacheNodesOfferings: (input) => absent.describeReservedCacheNodesOfferings(input),
    PurchaseReservedCacheNodesOffering: (input) => absent.purchaseReservedCacheNodesOffering(input),
    DescribeServiceUpdates: (input) => absent.describeServiceUpdates(input),
    DescribeUpdateActions: (input) => absent.describeUpdateActions(input),
    BatchApplyUpdateAction: (input) => absent.applyOrStopUpdateAction(input),
    BatchStopUpdateAction: (input) => absent.applyOrStopUpdateAction(input),
    DescribeGlobalReplicationGroups: (input) => absent.describeGlobalReplicationGroups(input),
    DescribeCacheSecurityGroups: (input) => absent.describeCacheSecurityGroups(input),
    CreateCacheSecurityGroup: (input) => absent.createCacheSecurityGroup(input),
    DeleteCacheSecurityGroup: (input) => absent.missingCacheSecurityGroup(input),
    AuthorizeCacheSecurityGroupIngress: (input) => absent.missingCacheSecurityGroup(input),
    RevokeCacheSecurityGroupIngress: (input) => absent.missingCacheSecurityGroup(input),
    DescribeServerlessCaches: (input) => absent.describeServerlessCaches(input),
    DescribeServerlessCacheSnapshots: (input) => absent.describeServerlessCacheSnapshots(input),
  };
}
