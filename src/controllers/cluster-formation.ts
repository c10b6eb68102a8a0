/**
 * Makes the nodes of a cluster-mode-enabled group one Redis Cluster, as the store describes it:
 * every node meets every other (CLUSTER MEET on the announced host ports), nodes the group no
 * longer has are forgotten, each shard's primary serves the shard's slots (ADDSLOTSRANGE for the
 * slots nobody serves yet, i.e. at creation; slots that moved are never taken back), and each
 * replica replicates its shard's primary (CLUSTER REPLICATE). Then it waits until every node sees
 * the same slot map and reports cluster_state:ok, so a client bootstrapping from any node sees the
 * whole cluster and can use it. Every step
 * looks first and only sends what differs, so a pass interrupted anywhere is finished by the next.
 */
import type { CacheCluster, ReplicationGroup } from "../domain/model.ts";
import { parseSlots, rangesOf, slotsOf } from "../domain/slots.ts";
import { ClusterAdmin, type ClusterNodeEntry } from "../engines/cluster-admin.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { NodeHandle } from "../runtime/types.ts";
import type { ControllerContext } from "./context.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Live {
  member: CacheCluster;
  nodeGroupId: string;
  handle: NodeHandle;
  /** How the control plane logs in to it (TLS, AUTH token). */
  admin: ConnectionProfile;
  id: string;
}

/** The cluster bus address other nodes reach a node on. */
export function busOf(handle: NodeHandle): { host: string; port: number; busPort: number } {
  const bus = handle.ports.bus;
  if (!bus) throw new Error(`node ${handle.name} has no cluster bus port`);
  return { host: handle.peerAddress.host, port: handle.peerAddress.port, busPort: bus.peer.port };
}

/** Polls `check` with backoff until it is true or `timeoutMs` passes. */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}

/**
 * Forms or repairs the cluster; returns the replicas' profiles once every node agrees on the slot
 * map and on who replicates whom, undefined when that did not happen within the sync timeout (the
 * next pass goes on).
 */
export async function formCluster(
  work: ControllerContext,
  group: ReplicationGroup,
  handles: Map<string, NodeHandle>,
  profiles: Map<string, ConnectionProfile>,
): Promise<ConnectionProfile[] | undefined> {
  const cluster = new ClusterAdmin(work.redis);
  const members = group.nodeGroups.flatMap((nodeGroup) =>
    nodeGroup.members.filter((member) => member.status !== "deleting").map((member) => ({ member, nodeGroupId: nodeGroup.id, handle: handles.get(member.id)!, admin: profiles.get(member.id)! })),
  );
  const live: Live[] = await Promise.all(members.map(async (entry) => ({ ...entry, id: await cluster.myId(entry.admin) })));
  const ids = new Set(live.map((entry) => entry.id));

  await Promise.all(live.map((entry) => meetAll(cluster, entry, live, ids)));
  const everyoneKnown = () =>
    allViews(cluster, live, (view) => live.every((other) => view.some((node) => node.id === other.id && !node.flags.has("handshake") && !node.flags.has("noaddr"))));
  if (!(await until(everyoneKnown, work.syncTimeoutMs))) return undefined;

  const primaries = new Map<string, Live>();
  for (const entry of live) if (entry.member.role === "primary") primaries.set(entry.nodeGroupId, entry);
  for (const nodeGroup of group.nodeGroups) {
    const primary = primaries.get(nodeGroup.id);
    if (primary) await assignSlots(cluster, primary, nodeGroup.slots);
  }
  const replicas = live.filter((entry) => entry.member.role === "replica");
  await Promise.all(
    replicas.map(async (entry) => {
      const primary = primaries.get(entry.nodeGroupId);
      if (primary) await follow(cluster, entry.admin, primary.id, work.syncTimeoutMs);
    }),
  );
  if (!(await until(() => agreed(cluster, live, primaries), work.syncTimeoutMs))) return undefined;
  // A primary reports cluster_state:fail for its first 2 s (Redis' CLUSTER_WRITABLE_DELAY) and
  // answers CLUSTERDOWN meanwhile; cluster clients that check the state (ioredis' ready check)
  // reconnect on it. Available means usable: wait until every node says ok.
  const stateOk = async () => (await Promise.all(live.map((entry) => cluster.info(entry.admin)))).every((info) => info.cluster_state === "ok");
  if (!(await until(stateOk, work.syncTimeoutMs))) return undefined;
  return replicas.map((entry) => entry.admin);
}

/** MEETs the nodes `entry` does not know, and forgets nodes the group no longer has. */
async function meetAll(cluster: ClusterAdmin, entry: Live, live: Live[], ids: Set<string>): Promise<void> {
  const admin = entry.admin;
  const view = await cluster.nodes(admin);
  for (const other of live) {
    if (other === entry || view.some((node) => node.id === other.id)) continue;
    const bus = busOf(other.handle);
    await cluster.meet(admin, bus.host, bus.port, bus.busPort);
  }
  for (const node of view) {
    if (node.flags.has("myself") || node.flags.has("handshake") || ids.has(node.id)) continue;
    // A removed node, or an earlier identity of a node started afresh: nobody should look for it.
    await cluster.forget(admin, node.id).catch(() => undefined);
  }
}

/** Gives the primary the shard's slots that nobody serves (in its view) and nobody is moving. */
async function assignSlots(cluster: ClusterAdmin, primary: Live, slots: string | undefined): Promise<void> {
  const wanted = slots === undefined ? undefined : parseSlots(slots);
  if (!wanted) return;
  const view = await cluster.nodes(primary.admin);
  const served = new Set<number>();
  for (const node of view) {
    for (const [start, end] of node.slots) for (let slot = start; slot <= end; slot++) served.add(slot);
    for (const slot of [...node.importing.keys(), ...node.migrating.keys()]) served.add(slot);
  }
  const missing = slotsOf(wanted).filter((slot) => !served.has(slot));
  await cluster.addSlotsRange(
    primary.admin,
    rangesOf(missing).map((range) => [range.start, range.end]),
  );
}

/**
 * Makes a node a replica of `primaryId`, once it knows that primary and holds no slots (an old
 * primary come back learns from the cluster that its slots moved, and gives them up, first).
 */
export async function follow(cluster: ClusterAdmin, admin: ConnectionProfile, primaryId: string, timeoutMs: number): Promise<boolean> {
  return until(async () => {
    const view = await cluster.nodes(admin);
    const self = view.find((entry) => entry.flags.has("myself"));
    if (!self) return false;
    if (self.flags.has("slave") && self.masterId === primaryId) return true;
    if (!view.some((entry) => entry.id === primaryId) || self.slots.length > 0) return false;
    await cluster.replicate(admin, primaryId);
    return false; // confirmed by the next look
  }, timeoutMs);
}

/** Every node's view passes `check`. */
async function allViews(cluster: ClusterAdmin, live: Live[], check: (view: ClusterNodeEntry[]) => boolean): Promise<boolean> {
  const views = await Promise.all(live.map((entry) => cluster.nodes(entry.admin)));
  return views.every(check);
}

/** Every node sees each primary with the slots it says it serves, and each replica following its primary. */
async function agreed(cluster: ClusterAdmin, live: Live[], primaries: Map<string, Live>): Promise<boolean> {
  const own = new Map<string, string>();
  for (const primary of primaries.values()) {
    const self = (await cluster.nodes(primary.admin)).find((node) => node.flags.has("myself"));
    own.set(primary.id, JSON.stringify(self?.slots ?? []));
  }
  const masterOf = new Map(live.map((entry) => [entry.id, entry.member.role === "replica" ? primaries.get(entry.nodeGroupId)?.id : undefined]));
  return allViews(cluster, live, (view) =>
    view.every((node) => {
      if (!masterOf.has(node.id)) return true;
      if (own.has(node.id)) return node.flags.has("master") && JSON.stringify(node.slots) === own.get(node.id);
      return node.flags.has("slave") && node.masterId === masterOf.get(node.id);
    }),
  );
}
