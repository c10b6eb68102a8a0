/**
 * The store's refusals as AWS errors, in one place: every operation's result passes through
 * `asAwsError` (services.ts), and writes conditional on what was read are retried with a fresh read
 * (`retrying`) before a conflict is reported.
 */
import {
  AlreadyExistsError,
  InUseError,
  NotFoundError,
  PortTakenError,
  QuotaError,
  StaleWriteError,
  TagNotFoundError,
  type Entity,
} from "../store/index.ts";
import { AwsError, errors } from "../aws/errors.ts";

const NAMES: Record<Entity, { kind: string; notFound: string; exists: string; state: string }> = {
  "replication-group": { kind: "Replication group", notFound: "ReplicationGroupNotFoundFault", exists: "ReplicationGroupAlreadyExists", state: "InvalidReplicationGroupState" },
  "cache-cluster": { kind: "Cache cluster", notFound: "CacheClusterNotFound", exists: "CacheClusterAlreadyExists", state: "InvalidCacheClusterState" },
  "subnet-group": { kind: "Cache subnet group", notFound: "CacheSubnetGroupNotFoundFault", exists: "CacheSubnetGroupAlreadyExists", state: "CacheSubnetGroupInUse" },
  "node-group": { kind: "Node group", notFound: "NodeGroupNotFoundFault", exists: "InvalidParameterValue", state: "InvalidReplicationGroupState" },
  "parameter-group": { kind: "Cache parameter group", notFound: "CacheParameterGroupNotFound", exists: "CacheParameterGroupAlreadyExists", state: "InvalidCacheParameterGroupState" },
  user: { kind: "User", notFound: "UserNotFound", exists: "UserAlreadyExists", state: "InvalidUserState" },
  "user-group": { kind: "User group", notFound: "UserGroupNotFound", exists: "UserGroupAlreadyExists", state: "InvalidUserGroupState" },
  snapshot: { kind: "Snapshot", notFound: "SnapshotNotFoundFault", exists: "SnapshotAlreadyExistsFault", state: "InvalidSnapshotState" },
};

export function asAwsError(error: unknown): unknown {
  if (error instanceof AlreadyExistsError) return new AwsError(NAMES[error.entity].exists, `${NAMES[error.entity].kind} ${error.id} already exists.`);
  if (error instanceof NotFoundError) return new AwsError(NAMES[error.entity].notFound, `${NAMES[error.entity].kind} ${error.id} not found.`);
  if (error instanceof InUseError) return new AwsError(NAMES[error.entity].state, `${NAMES[error.entity].kind} ${error.id} is currently in use.`);
  if (error instanceof StaleWriteError) {
    return new AwsError(NAMES[error.entity].state, `${NAMES[error.entity].kind} ${error.id} was changed by another request; try again.`);
  }
  if (error instanceof PortTakenError) return errors.invalidParameterValue("A port was taken concurrently; try again.");
  if (error instanceof TagNotFoundError) return new AwsError("TagNotFound", `The tag "${error.key}" is not on the resource.`);
  if (error instanceof QuotaError) {
    switch (error.quota) {
      case "tags-per-resource":
        return new AwsError("TagQuotaPerResourceExceeded", `A resource can have at most ${error.limit} tags.`);
      case "nodes-per-account":
        return new AwsError("NodeQuotaForCustomerExceeded", `This account may run at most ${error.limit} cache nodes.`);
      case "test-failovers":
        return new AwsError("APICallRateForCustomerExceeded", `At most ${error.limit} test failovers per node group in a rolling 24 hours.`);
    }
  }
  return error;
}

/**
 * Runs a read-validate-write attempt again when its conditional write lost to another writer (or
 * a port it picked was claimed meanwhile): the next attempt reads the new state and validates
 * against it, so the answer is what a serial execution would give.
 */
export async function retrying<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      const retriable = error instanceof StaleWriteError || error instanceof PortTakenError;
      if (!retriable || round >= tries) throw error;
    }
  }
}
