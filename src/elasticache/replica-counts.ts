/**
 * IncreaseReplicaCount / DecreaseReplicaCount's counts: `NewReplicaCount` for every node group, or
 * `ReplicaConfiguration` naming node groups one by one (ConfigureShard: NodeGroupId,
 * NewReplicaCount, PreferredAvailabilityZones). Read in two steps: the request's shape first (before
 * the group is loaded, so bad input fails the same way whatever exists), then against the group
 * (NodeGroupNotFoundFault for a shard it does not have).
 */
import type { ReplicationGroup } from "../domain/model.ts";
import { firstNodeGroupId, normalizeNodeGroupId } from "../domain/names.ts";
import { AwsError, errors } from "../aws/errors.ts";
import { optionalInt, optionalString } from "./validate.ts";
import { MAX_REPLICAS } from "./replication-group-input.ts";

export type ReplicaCountRequest = { all: number } | { shards: { nodeGroupId?: string; count: number }[] };

type Input = { NewReplicaCount?: unknown; ReplicaConfiguration?: unknown };

/** The counts asked for; MissingParameter when there are none. Counts above the maximum are refused later, with the shard named. */
export function parseReplicaCounts(input: Input): ReplicaCountRequest {
  const all = optionalInt(input.NewReplicaCount, "NewReplicaCount", 0, MAX_REPLICAS + 100);
  if (all !== undefined) return { all };
  const shards = input.ReplicaConfiguration as { NodeGroupId?: unknown; NewReplicaCount?: unknown }[] | undefined;
  if (!Array.isArray(shards) || shards.length === 0) throw errors.missingParameter("NewReplicaCount");
  return {
    shards: shards.map((shard, index) => {
      const param = `ReplicaConfiguration.ConfigureShard.${index + 1}`;
      const requested = optionalString(shard?.NodeGroupId, `${param}.NodeGroupId`, 4);
      const nodeGroupId = requested === undefined ? undefined : normalizeNodeGroupId(requested);
      if (requested !== undefined && nodeGroupId === undefined) throw errors.invalidParameterValue(`Invalid NodeGroupId "${requested}": 1 to 4 digits.`);
      const count = optionalInt(shard?.NewReplicaCount, `${param}.NewReplicaCount`, 0, MAX_REPLICAS + 100);
      if (count === undefined) throw errors.missingParameter(`${param}.NewReplicaCount`);
      return { nodeGroupId, count };
    }),
  };
}

/** The wanted replica count of each node group the request names (all of them for NewReplicaCount). */
export function resolveReplicaCounts(group: ReplicationGroup, request: ReplicaCountRequest): Map<string, number> {
  if ("all" in request) return new Map(group.nodeGroups.map((nodeGroup) => [nodeGroup.id, request.all]));
  const wanted = new Map<string, number>();
  for (const shard of request.shards) {
    // A cluster-mode-disabled group has one node group, which a ConfigureShard may leave unnamed.
    const id = shard.nodeGroupId ?? (group.clusterEnabled ? undefined : firstNodeGroupId());
    if (id === undefined) throw errors.missingParameter("ReplicaConfiguration.ConfigureShard.N.NodeGroupId");
    if (!group.nodeGroups.some((nodeGroup) => nodeGroup.id === id)) {
      throw new AwsError("NodeGroupNotFoundFault", `Node group ${id} not found in replication group ${group.id}.`);
    }
    if (wanted.has(id)) throw errors.invalidParameterValue(`Node group ${id} is configured twice in ReplicaConfiguration.`);
    wanted.set(id, shard.count);
  }
  return wanted;
}
