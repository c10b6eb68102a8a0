/**
 * Online resharding's data move: every slot whose owner in the cluster is not the shard the target
 * names is moved as redis-cli --cluster reshard does it, with its keys, while clients keep working:
 * the destination is told it is IMPORTING the slot and the source that it is MIGRATING it (clients
 * asking the source for a key already moved get ASK and follow it), keys move in batches with
 * MIGRATE … REPLACE KEYS, then both are told the slot's new owner (SETSLOT NODE; the destination
 * bumps its config epoch, so the whole cluster learns it). Slots move a batch at a time, the batch
 * concurrently; progress is recorded after each batch. A pass interrupted anywhere is finished by
 * the next: IMPORTING/MIGRATING and MIGRATE … REPLACE can be repeated.
 */
import { event } from "../domain/events.ts";
import type { ReplicationGroup } from "../domain/model.ts";
import { parseSlots, slotsOf } from "../domain/slots.ts";
import { ClusterAdmin } from "../engines/cluster-admin.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { NodeHandle } from "../runtime/types.ts";
import type { ControllerContext } from "./context.ts";
import { addressesOfHandle, replicationPeerOf } from "./node-access.ts";

/** Slots moved at once, and keys per MIGRATE. */
const SLOTS_PER_BATCH = 64;
const KEYS_PER_MIGRATE = 500;
const MIGRATE_TIMEOUT_MS = 5_000;

interface Primary {
  id: string;
  /** How the control plane logs in to it. */
  admin: ConnectionProfile;
  /** Where the other nodes reach it (MIGRATE's target: its TLS port when the bus speaks TLS). */
  peer: { host: string; port: number };
}

/** Moves what remains to move; resolves once the cluster matches the target and the store says so. */
export async function migrateSlots(
  work: ControllerContext,
  group: ReplicationGroup,
  handles: Map<string, NodeHandle>,
  profiles: Map<string, ConnectionProfile>,
): Promise<void> {
  const resharding = group.resharding;
  if (!resharding) return;
  const cluster = new ClusterAdmin(work.redis);
  const primaries = new Map<string, Primary>();
  for (const nodeGroup of group.nodeGroups) {
    const member = nodeGroup.members.find((candidate) => candidate.role === "primary" && candidate.status !== "deleting");
    const handle = member && handles.get(member.id);
    const admin = member && profiles.get(member.id);
    if (handle && admin) primaries.set(nodeGroup.id, { id: await cluster.myId(admin), admin, peer: replicationPeerOf(member, addressesOfHandle(handle)) });
  }
  const byId = new Map([...primaries.values()].map((primary) => [primary.id, primary]));
  const anyPrimary = [...primaries.values()][0];
  const owners = new Map<number, string>();
  for (const node of await cluster.nodes(anyPrimary.admin)) {
    if (!node.flags.has("master")) continue;
    for (const [start, end] of node.slots) for (let slot = start; slot <= end; slot++) owners.set(slot, node.id);
  }
  const moves: { slot: number; from: Primary; to: Primary }[] = [];
  for (const [nodeGroupId, text] of Object.entries(resharding.target)) {
    const to = primaries.get(nodeGroupId);
    if (!to) throw new Error(`node group ${nodeGroupId} has no running primary to move slots to`);
    for (const slot of slotsOf(parseSlots(text) ?? [])) {
      const owner = owners.get(slot);
      if (owner === to.id) continue;
      const from = owner === undefined ? undefined : byId.get(owner);
      if (!from) throw new Error(`slot ${slot} is served by node ${owner ?? "nobody"}, not a primary of replication group ${group.id}`);
      moves.push({ slot, from, to });
    }
  }
  const total = plannedMoves(group);
  for (let index = 0; index < moves.length; index += SLOTS_PER_BATCH) {
    await Promise.all(moves.slice(index, index + SLOTS_PER_BATCH).map((move) => moveSlot(cluster, move.slot, move.from, move.to)));
    const remaining = moves.length - index - SLOTS_PER_BATCH;
    const progress = total === 0 ? 100 : Math.min(100, Math.round((1000 * (total - Math.max(0, remaining))) / total) / 10);
    await work.store.replicationGroups.reshardProgress(group.id, progress);
  }
  await work.store.replicationGroups.finishResharding(group.id, resharding.target, resharding.removing, [
    event("replication-group", group.id, `Resharding of replication group ${group.id} to ${Object.keys(resharding.target).length} node groups completed`),
  ]);
}

/** Slots whose shard in the target differs from the shard the store recorded before resharding. */
function plannedMoves(group: ReplicationGroup): number {
  const before = new Map<number, string>();
  for (const nodeGroup of group.nodeGroups) for (const slot of slotsOf(parseSlots(nodeGroup.slots ?? "") ?? [])) before.set(slot, nodeGroup.id);
  let count = 0;
  for (const [nodeGroupId, text] of Object.entries(group.resharding!.target)) {
    for (const slot of slotsOf(parseSlots(text) ?? [])) if (before.get(slot) !== nodeGroupId) count++;
  }
  return count;
}

async function moveSlot(cluster: ClusterAdmin, slot: number, from: Primary, to: Primary): Promise<void> {
  await cluster.setSlot(to.admin, slot, "IMPORTING", from.id);
  await cluster.setSlot(from.admin, slot, "MIGRATING", to.id);
  for (;;) {
    const keys = await cluster.keysInSlot(from.admin, slot, KEYS_PER_MIGRATE);
    if (keys.length === 0) break;
    await cluster.migrate(from.admin, to.peer, keys, MIGRATE_TIMEOUT_MS, to.admin.password);
  }
  await cluster.setSlot(to.admin, slot, "NODE", to.id);
  await cluster.setSlot(from.admin, slot, "NODE", to.id);
}
