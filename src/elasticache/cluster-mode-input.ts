/**
 * CreateReplicationGroup's cluster-mode inputs with AWS's rules, into shard plans. Pure. Cluster
 * mode is on when the request names the cluster-enabled parameter group (default.redis7.cluster.on),
 * sets ClusterMode enabled or compatible, or asks for more than one node group (AWS then picks the
 * cluster-enabled default group itself).
 */
import { clusterParameterGroupOf, defaultParameterGroupOf, type EngineOffer } from "../domain/catalog.ts";
import { nodeGroupIdOf, normalizeNodeGroupId } from "../domain/names.ts";
import { checkCoverage, evenSlots, formatSlots, parseSlots, type SlotRange } from "../domain/slots.ts";
import { AwsError, errors } from "../aws/errors.ts";
import type { InputOf } from "../aws/operations.ts";
import { oneOf, optionalBool, optionalInt, optionalString, stringList } from "./validate.ts";

/** AWS's quotas: shards per cluster-mode-enabled group, and nodes per group. */
export const MAX_NODE_GROUPS = 500;
export const MAX_NODES_PER_CLUSTER = 90;
export const MAX_SHARD_REPLICAS = 5;

export interface ShardPlan {
  id: string;
  /** As AWS writes them: "0-5460". */
  slots: string;
  replicaCount: number;
  primaryAz?: string;
  replicaAzs?: string[];
}

export type ClusterModePlan = { enabled: false; parameterGroupName?: string } | { enabled: true; parameterGroupName: string; shards: ShardPlan[] };

type Input = InputOf<"CreateReplicationGroup">;
type ShardInput = { NodeGroupId?: unknown; Slots?: unknown; ReplicaCount?: unknown; PrimaryAvailabilityZone?: unknown; ReplicaAvailabilityZones?: unknown };

const combination = (message: string) => errors.invalidParameterCombination(message);

/**
 * Whether the request asks for cluster mode, and with which parameter group. `groupEnablesClusterMode`:
 * whether the named CacheParameterGroupName has cluster-enabled yes (undefined when none is named);
 * the parameter group service checks the group itself (exists, family).
 */
export function parseClusterMode(
  input: Input,
  engine: EngineOffer,
  parseZones: (value: unknown, param: string) => string[] | undefined,
  groupEnablesClusterMode?: boolean,
): ClusterModePlan {
  const requestedGroup = optionalString(input.CacheParameterGroupName, "CacheParameterGroupName", 255);
  const clusterOn = clusterParameterGroupOf(engine);
  const mode = oneOf(input.ClusterMode, "ClusterMode", ["enabled", "disabled", "compatible"] as const);
  const numNodeGroups = optionalInt(input.NumNodeGroups, "NumNodeGroups", 1, Number.MAX_SAFE_INTEGER);
  const configured = input.NodeGroupConfiguration as unknown;
  if (configured !== undefined && !Array.isArray(configured)) throw errors.invalidParameterValue("NodeGroupConfiguration must be a list.");
  const shardsIn = (configured ?? []) as ShardInput[];
  const manyShards = (numNodeGroups ?? 1) > 1 || shardsIn.length > 1;
  const groupEnables = groupEnablesClusterMode ?? requestedGroup === clusterOn;
  const enabled = groupEnables || mode === "enabled" || mode === "compatible" || manyShards;
  if (!enabled) return { enabled: false, parameterGroupName: requestedGroup };
  if (mode === "disabled") throw combination("ClusterMode disabled allows one node group only; set ClusterMode enabled for more.");
  if (requestedGroup !== undefined && !groupEnables) {
    const hint = requestedGroup === defaultParameterGroupOf(engine) ? ` (use ${clusterOn})` : "";
    throw combination(`Cluster mode needs a parameter group with cluster-enabled yes; ${requestedGroup} has cluster-enabled no${hint}.`);
  }
  for (const field of ["NumCacheClusters", "PreferredCacheClusterAZs", "PrimaryClusterId"] as const) {
    if (input[field] !== undefined) throw combination(`${field} cannot be used with cluster mode enabled; use NumNodeGroups, ReplicasPerNodeGroup and NodeGroupConfiguration.`);
  }
  if (optionalBool(input.AutomaticFailoverEnabled, "AutomaticFailoverEnabled") === false) {
    throw combination("Redis with cluster mode enabled requires AutomaticFailoverEnabled.");
  }

  const count = numNodeGroups ?? Math.max(shardsIn.length, 1);
  if (count > MAX_NODE_GROUPS) {
    throw new AwsError("NodeGroupsPerReplicationGroupQuotaExceeded", `A replication group may have at most ${MAX_NODE_GROUPS} node groups; ${count} were requested.`);
  }
  if (shardsIn.length > 0 && shardsIn.length !== count) {
    throw errors.invalidParameterValue(`NodeGroupConfiguration has ${shardsIn.length} entries but NumNodeGroups is ${count}; give one entry per node group.`);
  }
  const replicasDefault = optionalInt(input.ReplicasPerNodeGroup, "ReplicasPerNodeGroup", 0, MAX_SHARD_REPLICAS) ?? 1;
  const shards = parseShards(shardsIn, count, replicasDefault, parseZones);
  const nodes = shards.reduce((sum, shard) => sum + 1 + shard.replicaCount, 0);
  if (nodes > MAX_NODES_PER_CLUSTER) {
    throw new AwsError("NodeQuotaForClusterExceeded", `A replication group may have at most ${MAX_NODES_PER_CLUSTER} nodes; ${nodes} were requested.`);
  }
  if (optionalBool(input.MultiAZEnabled, "MultiAZEnabled") && shards.some((shard) => shard.replicaCount === 0)) {
    throw combination("MultiAZEnabled needs at least one replica in every node group.");
  }
  return { enabled: true, parameterGroupName: requestedGroup ?? clusterOn, shards };
}

/** Every NodeGroupConfiguration entry names its Slots (checked as a whole by parseShards). */
export const slotsGiven = (configured: unknown) =>
  Array.isArray(configured) && configured.length > 0 && configured.every((shard: ShardInput | undefined) => shard?.Slots !== undefined);

/** One plan per shard: ids unique, replica counts 0–5, slots given for all or none and covering 0–16383 exactly once. */
export function parseShards(shardsIn: ShardInput[], count: number, replicasDefault: number, parseZones: (value: unknown, param: string) => string[] | undefined): ShardPlan[] {
  const given = shardsIn.filter((shard) => shard?.Slots !== undefined).length;
  if (given !== 0 && given !== count) throw errors.invalidParameterValue("Give Slots for every node group in NodeGroupConfiguration, or for none.");
  const even = evenSlots(count);
  const ranges: SlotRange[][] = [];
  const ids = new Set<string>();
  const shards: ShardPlan[] = [];
  for (let index = 0; index < count; index++) {
    const shard: ShardInput = shardsIn[index] ?? {};
    const param = (field: string) => `NodeGroupConfiguration.NodeGroupConfiguration.${index + 1}.${field}`;
    if (typeof shard !== "object" || shard === null) throw errors.invalidParameterValue(`${param("")} must be a structure.`);
    const requestedId = optionalString(shard.NodeGroupId, param("NodeGroupId"), 4);
    const id = requestedId === undefined ? nodeGroupIdOf(index + 1) : normalizeNodeGroupId(requestedId);
    if (id === undefined) throw errors.invalidParameterValue(`Invalid NodeGroupId "${requestedId}": 1 to 4 digits.`);
    if (ids.has(id)) throw errors.invalidParameterValue(`NodeGroupId ${id} is given twice in NodeGroupConfiguration.`);
    ids.add(id);
    const slotsText = optionalString(shard.Slots, param("Slots"), 10_000);
    const slots = slotsText === undefined ? even[index] : parseSlots(slotsText);
    if (slots === undefined) {
      throw errors.invalidParameterValue(`Invalid Slots "${slotsText}" for node group ${id}: expected start-end ranges within 0-16383, separated by commas.`);
    }
    ranges.push(slots);
    const replicaCount = optionalInt(shard.ReplicaCount, param("ReplicaCount"), 0, MAX_SHARD_REPLICAS) ?? replicasDefault;
    const primaryAz = parseZones(shard.PrimaryAvailabilityZone === undefined ? undefined : [shard.PrimaryAvailabilityZone], param("PrimaryAvailabilityZone"))?.[0];
    const replicaAzs = parseZones(stringList(shard.ReplicaAvailabilityZones, param("ReplicaAvailabilityZones")), param("ReplicaAvailabilityZones"));
    if (replicaAzs && replicaAzs.length !== replicaCount) {
      throw errors.invalidParameterValue(`Node group ${id} has ${replicaCount} replicas but ${replicaAzs.length} ReplicaAvailabilityZones; give one zone per replica.`);
    }
    shards.push({ id, slots: formatSlots(slots), replicaCount, primaryAz, replicaAzs });
  }
  const coverage = checkCoverage(ranges);
  if (!coverage.ok) {
    throw errors.invalidParameterValue(
      coverage.problem === "overlap"
        ? `Slot ${coverage.slot} is assigned to more than one node group; the Slots of the node groups must not overlap.`
        : `Slot ${coverage.slot} is assigned to no node group; the Slots of the node groups must cover 0-16383.`,
    );
  }
  return shards;
}
