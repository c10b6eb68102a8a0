/**
 * ModifyReplicationGroupShardConfiguration: online resharding of a cluster-mode-enabled group to
 * `NodeGroupCount` shards. Adding shards creates them (with as many replicas as the group's shards
 * have, ids from ReshardingConfiguration or the next free ones); removing needs NodeGroupsToRemove
 * or NodeGroupsToRetain. The slots each shard ends with are planned so that as few as possible move
 * (domain/slots.ts reshardPlan); the reconciler moves them with their keys while clients keep
 * working (controllers/slot-migration.ts), then removes the shards that go.
 */
import type { NodeGroup, ReplicationGroup } from "../domain/model.ts";
import { nodeGroupIdOf, normalizeNodeGroupId } from "../domain/names.ts";
import { formatSlots, parseSlots, reshardPlan, type SlotRange } from "../domain/slots.ts";
import { replicasOf, settingsOf } from "../domain/topology.ts";
import { event } from "../domain/events.ts";
import { AwsError, errors } from "../aws/errors.ts";
import type { InputOf } from "../aws/operations.ts";
import type { NewNodeGroup } from "../store/index.ts";
import { portsPerClusterNode, portTaker, shardMembers } from "./cluster-layout.ts";
import { MAX_NODE_GROUPS } from "./cluster-mode-input.ts";
import type { ServiceContext } from "./context.ts";
import { NODE_QUOTA, pickPorts, requireNodeQuota, zonesOf } from "./placement.ts";
import { loadGroup, requireAvailable } from "./group-lookup.ts";
import { retrying } from "./store-errors.ts";
import { optionalBool, optionalInt, resourceId, stringList } from "./validate.ts";

type Input = InputOf<"ModifyReplicationGroupShardConfiguration">;

interface Request {
  id: string;
  count: number;
  toRemove?: string[];
  toRetain?: string[];
  newIds: string[];
}

const nodeGroupIds = (values: string[] | undefined, param: string) =>
  values?.map((value) => {
    const id = normalizeNodeGroupId(value);
    if (id === undefined) throw errors.invalidParameterValue(`Invalid node group id "${value}" in ${param}: 1 to 4 digits.`);
    return id;
  });

function parseRequest(input: Input): Request {
  const id = resourceId(input.ReplicationGroupId, "ReplicationGroupId", 40);
  const count = optionalInt(input.NodeGroupCount, "NodeGroupCount", 1, Number.MAX_SAFE_INTEGER);
  if (count === undefined) throw errors.missingParameter("NodeGroupCount");
  if (count > MAX_NODE_GROUPS) throw new AwsError("NodeGroupsPerReplicationGroupQuotaExceeded", `A replication group may have at most ${MAX_NODE_GROUPS} node groups.`);
  const apply = optionalBool(input.ApplyImmediately, "ApplyImmediately");
  if (apply === undefined) throw errors.missingParameter("ApplyImmediately");
  if (!apply) throw errors.invalidParameterValue("ApplyImmediately must be true: resharding starts at once.");
  const toRemove = nodeGroupIds(stringList(input.NodeGroupsToRemove, "NodeGroupsToRemove"), "NodeGroupsToRemove");
  const toRetain = nodeGroupIds(stringList(input.NodeGroupsToRetain, "NodeGroupsToRetain"), "NodeGroupsToRetain");
  if (toRemove?.length && toRetain?.length) throw errors.invalidParameterCombination("Give NodeGroupsToRemove or NodeGroupsToRetain, not both.");
  const configuration = (input.ReshardingConfiguration ?? []) as { NodeGroupId?: unknown }[];
  const newIds = nodeGroupIds(
    configuration.map((entry) => entry?.NodeGroupId).filter((value): value is string => typeof value === "string"),
    "ReshardingConfiguration",
  )!;
  return { id, count, toRemove: toRemove?.length ? toRemove : undefined, toRetain: toRetain?.length ? toRetain : undefined, newIds };
}

/** The node groups that go (scale in) or the ids of the new ones (scale out). */
function shape(group: ReplicationGroup, request: Request): { removing: string[]; adding: string[] } {
  const existing = group.nodeGroups.map((nodeGroup) => nodeGroup.id);
  const unknown = [...(request.toRemove ?? []), ...(request.toRetain ?? [])].find((id) => !existing.includes(id));
  if (unknown !== undefined) throw new AwsError("NodeGroupNotFoundFault", `Node group ${unknown} not found in replication group ${group.id}.`);
  if (request.count === existing.length) throw new AwsError("NoOperationFault", `Replication group ${group.id} already has ${request.count} node groups.`);
  if (request.count > existing.length) {
    if (request.toRemove || request.toRetain) throw errors.invalidParameterCombination("NodeGroupsToRemove and NodeGroupsToRetain are for reducing the number of node groups.");
    const adding: string[] = [];
    for (const id of request.newIds) if (!existing.includes(id) && !adding.includes(id)) adding.push(id);
    for (let index = 1; adding.length < request.count - existing.length; index++) {
      const id = nodeGroupIdOf(index);
      if (!existing.includes(id) && !adding.includes(id)) adding.push(id);
    }
    return { removing: [], adding: adding.slice(0, request.count - existing.length) };
  }
  const removing = request.toRemove ?? (request.toRetain ? existing.filter((id) => !request.toRetain!.includes(id)) : undefined);
  if (!removing) throw errors.missingParameter("NodeGroupsToRemove or NodeGroupsToRetain");
  if (removing.length !== existing.length - request.count) {
    throw errors.invalidParameterValue(`Reducing ${existing.length} node groups to ${request.count} removes ${existing.length - request.count}, but ${removing.length} were named.`);
  }
  return { removing, adding: [] };
}

export async function startResharding(ctx: ServiceContext, input: Input): Promise<ReplicationGroup> {
  const request = parseRequest(input);
  return retrying(async () => {
    const current = await loadGroup(ctx, request.id);
    if (!current.clusterEnabled) {
      throw errors.invalidParameterValue(`Replication group ${current.id} has cluster mode disabled; it has one node group.`);
    }
    requireAvailable(current);
    const { removing, adding } = shape(current, request);
    const replicas = Math.max(...current.nodeGroups.map((nodeGroup) => replicasOf(nodeGroup).length));
    const nodes = adding.length * (1 + replicas);
    await requireNodeQuota(ctx.store, nodes);
    const zones = await zonesOf(ctx.store, current.subnetGroupName);
    const perNode = portsPerClusterNode(current.security);
    const take = portTaker(await pickPorts(ctx.store, nodes * perNode), perNode);
    const nodeGroups: NewNodeGroup[] = adding.map((id, shardIndex) => ({
      id,
      slots: "",
      members: shardMembers(
        settingsOf(current),
        current.id,
        { id },
        Array.from({ length: 1 + replicas }, (_, index) => ({ number: index + 1, role: index === 0 ? ("primary" as const) : ("replica" as const) })),
        take,
        (index) => zones[(shardIndex + index) % zones.length],
      ),
    }));
    const finalIds = [...current.nodeGroups.map((nodeGroup) => nodeGroup.id).filter((id) => !removing.includes(id)), ...adding];
    const plan = reshardPlan(currentSlots(current.nodeGroups), finalIds);
    const target = Object.fromEntries([...plan].map(([id, ranges]) => [id, formatSlots(ranges)]));
    return ctx.store.replicationGroups.startResharding(
      current.id,
      current.version,
      { nodeGroups, target, removing },
      [event("replication-group", current.id, `Resharding replication group ${current.id} from ${current.nodeGroups.length} to ${request.count} node groups`)],
      NODE_QUOTA,
    );
  });
}

function currentSlots(nodeGroups: NodeGroup[]): Map<string, SlotRange[]> {
  return new Map(nodeGroups.map((nodeGroup) => [nodeGroup.id, (nodeGroup.slots ? parseSlots(nodeGroup.slots) : undefined) ?? []]));
}
