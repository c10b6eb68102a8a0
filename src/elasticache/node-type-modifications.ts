/**
 * ListAllowedNodeTypeModifications from the node-type catalog: the types a group or cluster can
 * move to with ModifyReplicationGroup / ModifyCacheCluster CacheNodeType, larger ones (and other
 * families of the same size) as scale-up, smaller ones as scale-down, smallest first.
 */
import { AwsError, errors } from "../aws/errors.ts";
import { memoryOf, NODE_TYPES } from "../domain/catalog.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";
import type { ServiceContext } from "./context.ts";
import { loadGroup } from "./replication-groups.ts";
import { optionalString } from "./validate.ts";

export function allowedModifications(current: string): { ScaleUpModifications: string[]; ScaleDownModifications: string[] } {
  const memory = memoryOf(current) ?? 0;
  const others = Object.keys(NODE_TYPES)
    .filter((type) => type !== current)
    .sort((a, b) => NODE_TYPES[a] - NODE_TYPES[b] || a.localeCompare(b));
  return {
    ScaleUpModifications: others.filter((type) => NODE_TYPES[type] >= memory),
    ScaleDownModifications: others.filter((type) => NODE_TYPES[type] < memory),
  };
}

export class NodeTypeModificationService {
  constructor(private readonly ctx: ServiceContext) {}

  async list(input: InputOf<"ListAllowedNodeTypeModifications">): Promise<OutputOf<"ListAllowedNodeTypeModifications">> {
    const groupId = optionalString(input.ReplicationGroupId, "ReplicationGroupId", 40);
    const clusterId = optionalString(input.CacheClusterId, "CacheClusterId", 50);
    if ((groupId === undefined) === (clusterId === undefined)) {
      throw errors.invalidParameterCombination("Give exactly one of ReplicationGroupId and CacheClusterId.");
    }
    if (groupId !== undefined) return allowedModifications((await loadGroup(this.ctx, groupId.toLowerCase())).cacheNodeType);
    const cluster = await this.ctx.store.cacheClusters.get(clusterId!.toLowerCase());
    if (!cluster) throw new AwsError("CacheClusterNotFound", `CacheCluster ${clusterId} not found.`);
    return allowedModifications(cluster.cacheNodeType);
  }
}
