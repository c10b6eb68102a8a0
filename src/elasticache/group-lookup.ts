/** Reading a replication group for an operation, with AWS's errors for a missing or busy one. */
import type { ReplicationGroup } from "../domain/model.ts";
import { AwsError } from "../aws/errors.ts";
import type { ServiceContext } from "./context.ts";

export const groupNotFound = (id: string) => new AwsError("ReplicationGroupNotFoundFault", `ReplicationGroup ${id} not found.`);

export async function loadGroup(ctx: ServiceContext, id: string): Promise<ReplicationGroup> {
  const group = await ctx.store.replicationGroups.get(id);
  if (!group) throw groupNotFound(id);
  return group;
}

export function requireAvailable(group: { id: string; status: string }): void {
  if (group.status !== "available") {
    throw new AwsError("InvalidReplicationGroupState", `Replication group ${group.id} is ${group.status}, not available.`);
  }
}
