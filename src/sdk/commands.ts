/**
 * Command classes named and shaped like @aws-sdk/client-elasticache's; their input and output
 * types are the AWS SDK's own, so code written for one compiles against the other.
 */
import type * as aws from "@aws-sdk/client-elasticache";
import { Command } from "./client.ts";

/** Makes the command class of one operation. */
function commandOf<Input extends object, Output extends object>(operation: string) {
  return class extends Command<Input, Output> {
    readonly operation = operation;
  };
}

export const CreateCacheSubnetGroupCommand = commandOf<aws.CreateCacheSubnetGroupCommandInput, Omit<aws.CreateCacheSubnetGroupCommandOutput, "$metadata">>("CreateCacheSubnetGroup");
export type CreateCacheSubnetGroupCommand = InstanceType<typeof CreateCacheSubnetGroupCommand>;
export const DescribeCacheSubnetGroupsCommand = commandOf<aws.DescribeCacheSubnetGroupsCommandInput, Omit<aws.DescribeCacheSubnetGroupsCommandOutput, "$metadata">>("DescribeCacheSubnetGroups");
export type DescribeCacheSubnetGroupsCommand = InstanceType<typeof DescribeCacheSubnetGroupsCommand>;
export const ModifyCacheSubnetGroupCommand = commandOf<aws.ModifyCacheSubnetGroupCommandInput, Omit<aws.ModifyCacheSubnetGroupCommandOutput, "$metadata">>("ModifyCacheSubnetGroup");
export type ModifyCacheSubnetGroupCommand = InstanceType<typeof ModifyCacheSubnetGroupCommand>;
export const DeleteCacheSubnetGroupCommand = commandOf<aws.DeleteCacheSubnetGroupCommandInput, Omit<aws.DeleteCacheSubnetGroupCommandOutput, "$metadata">>("DeleteCacheSubnetGroup");
export type DeleteCacheSubnetGroupCommand = InstanceType<typeof DeleteCacheSubnetGroupCommand>;
export const AddTagsToResourceCommand = commandOf<aws.AddTagsToResourceCommandInput, Omit<aws.AddTagsToResourceCommandOutput, "$metadata">>("AddTagsToResource");
export type AddTagsToResourceCommand = InstanceType<typeof AddTagsToResourceCommand>;
export const ListTagsForResourceCommand = commandOf<aws.ListTagsForResourceCommandInput, Omit<aws.ListTagsForResourceCommandOutput, "$metadata">>("ListTagsForResource");
export type ListTagsForResourceCommand = InstanceType<typeof ListTagsForResourceCommand>;
export const RemoveTagsFromResourceCommand = commandOf<aws.RemoveTagsFromResourceCommandInput, Omit<aws.RemoveTagsFromResourceCommandOutput, "$metadata">>("RemoveTagsFromResource");
export type RemoveTagsFromResourceCommand = InstanceType<typeof RemoveTagsFromResourceCommand>;
export const CreateReplicationGroupCommand = commandOf<aws.CreateReplicationGroupCommandInput, Omit<aws.CreateReplicationGroupCommandOutput, "$metadata">>("CreateReplicationGroup");
export type CreateReplicationGroupCommand = InstanceType<typeof CreateReplicationGroupCommand>;
export const DescribeReplicationGroupsCommand = commandOf<aws.DescribeReplicationGroupsCommandInput, Omit<aws.DescribeReplicationGroupsCommandOutput, "$metadata">>("DescribeReplicationGroups");
export type DescribeReplicationGroupsCommand = InstanceType<typeof DescribeReplicationGroupsCommand>;
export const ModifyReplicationGroupCommand = commandOf<aws.ModifyReplicationGroupCommandInput, Omit<aws.ModifyReplicationGroupCommandOutput, "$metadata">>("ModifyReplicationGroup");
export type ModifyReplicationGroupCommand = InstanceType<typeof ModifyReplicationGroupCommand>;
export const DeleteReplicationGroupCommand = commandOf<aws.DeleteReplicationGroupCommandInput, Omit<aws.DeleteReplicationGroupCommandOutput, "$metadata">>("DeleteReplicationGroup");
export type DeleteReplicationGroupCommand = InstanceType<typeof DeleteReplicationGroupCommand>;
export const IncreaseReplicaCountCommand = commandOf<aws.IncreaseReplicaCountCommandInput, Omit<aws.IncreaseReplicaCountCommandOutput, "$metadata">>("IncreaseReplicaCount");
export type IncreaseReplicaCountCommand = InstanceType<typeof IncreaseReplicaCountCommand>;
export const DecreaseReplicaCountCommand = commandOf<aws.DecreaseReplicaCountCommandInput, Omit<aws.DecreaseReplicaCountCommandOutput, "$metadata">>("DecreaseReplicaCount");
export type DecreaseReplicaCountCommand = InstanceType<typeof DecreaseReplicaCountCommand>;
export const TestFailoverCommand = commandOf<aws.TestFailoverCommandInput, Omit<aws.TestFailoverCommandOutput, "$metadata">>("TestFailover");
export type TestFailoverCommand = InstanceType<typeof TestFailoverCommand>;
export const CreateCacheClusterCommand = commandOf<aws.CreateCacheClusterCommandInput, Omit<aws.CreateCacheClusterCommandOutput, "$metadata">>("CreateCacheCluster");
export type CreateCacheClusterCommand = InstanceType<typeof CreateCacheClusterCommand>;
export const DescribeCacheClustersCommand = commandOf<aws.DescribeCacheClustersCommandInput, Omit<aws.DescribeCacheClustersCommandOutput, "$metadata">>("DescribeCacheClusters");
export type DescribeCacheClustersCommand = InstanceType<typeof DescribeCacheClustersCommand>;
export const ModifyCacheClusterCommand = commandOf<aws.ModifyCacheClusterCommandInput, Omit<aws.ModifyCacheClusterCommandOutput, "$metadata">>("ModifyCacheCluster");
export type ModifyCacheClusterCommand = InstanceType<typeof ModifyCacheClusterCommand>;
export const DeleteCacheClusterCommand = commandOf<aws.DeleteCacheClusterCommandInput, Omit<aws.DeleteCacheClusterCommandOutput, "$metadata">>("DeleteCacheCluster");
export type DeleteCacheClusterCommand = InstanceType<typeof DeleteCacheClusterCommand>;
export const RebootCacheClusterCommand = commandOf<aws.RebootCacheClusterCommandInput, Omit<aws.RebootCacheClusterCommandOutput, "$metadata">>("RebootCacheCluster");
export type RebootCacheClusterCommand = InstanceType<typeof RebootCacheClusterCommand>;
export const DescribeEventsCommand = commandOf<aws.DescribeEventsCommandInput, Omit<aws.DescribeEventsCommandOutput, "$metadata">>("DescribeEvents");
export type DescribeEventsCommand = InstanceType<typeof DescribeEventsCommand>;
export const DescribeCacheEngineVersionsCommand = commandOf<aws.DescribeCacheEngineVersionsCommandInput, Omit<aws.DescribeCacheEngineVersionsCommandOutput, "$metadata">>("DescribeCacheEngineVersions");
export type DescribeCacheEngineVersionsCommand = InstanceType<typeof DescribeCacheEngineVersionsCommand>;
