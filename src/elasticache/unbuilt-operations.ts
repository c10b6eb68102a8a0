/**
 * The refusal table: every operation of the ElastiCache model that elasticache-local does not
 * serve yet, with the capability that will bring it. Each answers InvalidAction (400) naming that
 * capability, so a user learns what is missing instead of meeting a bare "unknown action".
 *
 * One row per operation, grouped by capability: whoever builds a capability removes its rows
 * here and registers the real handlers in services.ts (a test checks that every operation of the
 * model is either served or in this table, and never both). The README's operations table is
 * generated from this module and the registry (`npm run generate`).
 */
import { AwsError } from "../aws/errors.ts";

export const CAPABILITIES = {
  clusterMode: "cluster mode (several node groups, resharding)",
  serverless: "serverless caches",
  globalDatastores: "global datastores (cross-region replication)",
  migration: "online migration from a self-managed Redis",
} as const;

export type Capability = keyof typeof CAPABILITIES;

export const UNBUILT_OPERATIONS: Readonly<Record<string, Capability>> = {
  // cluster mode
  ModifyReplicationGroupShardConfiguration: "clusterMode",
  // serverless (describing them works: there are none)
  CopyServerlessCacheSnapshot: "serverless",
  CreateServerlessCache: "serverless",
  CreateServerlessCacheSnapshot: "serverless",
  DeleteServerlessCache: "serverless",
  DeleteServerlessCacheSnapshot: "serverless",
  ExportServerlessCacheSnapshot: "serverless",
  ModifyServerlessCache: "serverless",
  // global datastores (describing them works: there are none)
  CreateGlobalReplicationGroup: "globalDatastores",
  DecreaseNodeGroupsInGlobalReplicationGroup: "globalDatastores",
  DeleteGlobalReplicationGroup: "globalDatastores",
  DisassociateGlobalReplicationGroup: "globalDatastores",
  FailoverGlobalReplicationGroup: "globalDatastores",
  IncreaseNodeGroupsInGlobalReplicationGroup: "globalDatastores",
  ModifyGlobalReplicationGroup: "globalDatastores",
  RebalanceSlotsInGlobalReplicationGroup: "globalDatastores",
  // online migration
  CompleteMigration: "migration",
  StartMigration: "migration",
  TestMigration: "migration",
};

export function refusalOf(operation: string, capability: Capability): AwsError {
  return new AwsError(
    "InvalidAction",
    `${operation} needs ${CAPABILITIES[capability]}, which elasticache-local does not have yet.`,
    400,
  );
}

/** A handler for every row: each refuses naming its capability. */
export function refusingHandlers(): Record<string, () => Promise<never>> {
  return Object.fromEntries(
    Object.entries(UNBUILT_OPERATIONS).map(([operation, capability]) => [operation, () => Promise.reject(refusalOf(operation, capability))]),
  );
}
