/**
 * The AWS SDK's four ElastiCache waiters, with its signatures and acceptors (from the service's
 * waiter definitions: every status `available` is success, any of the listed statuses is failure,
 * the not-found error means deleted), run by the same @smithy/core engine the AWS SDK uses, so
 * timeouts, aborts and the errors `waitUntil…` throws behave alike.
 *
 * One difference on purpose: the first retry comes after 1 s (AWS: 15 s), since nodes here are
 * ready in about a second; pass minDelay / maxDelay to choose.
 */
import type {
  DescribeCacheClustersCommandInput,
  DescribeCacheClustersCommandOutput,
  DescribeReplicationGroupsCommandInput,
  DescribeReplicationGroupsCommandOutput,
} from "@aws-sdk/client-elasticache";
import { checkExceptions, createWaiter, WaiterState, type WaiterConfiguration, type WaiterResult } from "@smithy/core/client";
import type { ElastiCacheClient } from "./client.js";
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand } from "./generated/commands.js";

const DEFAULT_DELAYS = { minDelay: 1, maxDelay: 120 };

interface Acceptors<Output> {
  statuses: (output: Output) => (string | undefined)[];
  /** Every status equal to this: success. */
  success: string;
  /** Any status among these: failure. */
  failure: readonly string[];
  /** This error (the AWS SDK's exception name): success. */
  notFound?: string;
}

function waiterOf<Input extends object, Output extends object>(describe: (client: ElastiCacheClient, input: Input) => Promise<Output>, acceptors: Acceptors<Output>) {
  const checkState = async (client: ElastiCacheClient, input: Input): Promise<WaiterResult<Output>> => {
    try {
      const output = await describe(client, input);
      const statuses = acceptors.statuses(output);
      if (statuses.length > 0 && statuses.every((status) => status === acceptors.success)) return { state: WaiterState.SUCCESS, reason: output };
      if (statuses.some((status) => status !== undefined && acceptors.failure.includes(status))) return { state: WaiterState.FAILURE, reason: output };
      return { state: WaiterState.RETRY, reason: output };
    } catch (exception) {
      const state = (exception as Error).name === acceptors.notFound ? WaiterState.SUCCESS : WaiterState.RETRY;
      return { state, reason: exception };
    }
  };
  return async (params: WaiterConfiguration<ElastiCacheClient>, input: Input): Promise<WaiterResult<Output>> =>
    checkExceptions(await createWaiter({ ...DEFAULT_DELAYS, ...params }, input, checkState));
}

const describeGroups = (client: ElastiCacheClient, input: DescribeReplicationGroupsCommandInput) => client.send(new DescribeReplicationGroupsCommand(input));
const describeClusters = (client: ElastiCacheClient, input: DescribeCacheClustersCommandInput) => client.send(new DescribeCacheClustersCommand(input));
const groupStatuses = (output: DescribeReplicationGroupsCommandOutput) => (output.ReplicationGroups ?? []).map((group) => group.Status);
const clusterStatuses = (output: DescribeCacheClustersCommandOutput) => (output.CacheClusters ?? []).map((cluster) => cluster.CacheClusterStatus);

/** Wait until ElastiCache replication group is available. */
export const waitUntilReplicationGroupAvailable = waiterOf(describeGroups, {
  statuses: groupStatuses,
  success: "available",
  failure: ["deleted"],
});

/** Wait until ElastiCache replication group is deleted. */
export const waitUntilReplicationGroupDeleted = waiterOf(describeGroups, {
  statuses: groupStatuses,
  success: "deleted",
  failure: ["available"],
  notFound: "ReplicationGroupNotFoundFault",
});

/** Wait until ElastiCache cluster is available. */
export const waitUntilCacheClusterAvailable = waiterOf(describeClusters, {
  statuses: clusterStatuses,
  success: "available",
  failure: ["deleted", "deleting", "incompatible-network", "restore-failed"],
});

/** Wait until ElastiCache cluster is deleted. */
export const waitUntilCacheClusterDeleted = waiterOf(describeClusters, {
  statuses: clusterStatuses,
  success: "deleted",
  failure: ["available", "creating", "incompatible-network", "modifying", "restore-failed", "snapshotting"],
  notFound: "CacheClusterNotFoundFault",
});
