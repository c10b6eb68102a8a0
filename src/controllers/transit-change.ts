/**
 * An in-place change of transit encryption (ModifyReplicationGroup: off -> preferred -> required
 * and back). The listeners a node has are part of its runtime shape (a TLS port is published by
 * its container), so every node is restarted with the new settings; its data is kept. The store
 * marks every node `rebooting`; this step restarts each node group's primary first: writes are
 * paused (CLIENT PAUSE WRITE, so no write is acknowledged and then lost), its dataset saved
 * (BGSAVE) and handed to the restarted node as its data file. The replicas then restart through
 * the ordinary reboot path (nodes.ts) as replicas of the changed primary (over TLS when the new
 * mode has it) and sync from it; the group is available once they are in sync.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { event } from "../domain/events.ts";
import type { CacheCluster, CacheNode, ReplicationGroup } from "../domain/model.ts";
import { withTransit, type TransitState } from "../domain/security.ts";
import { nodeOf, primaryOf } from "../domain/topology.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import { saveDataFile } from "../engines/rdb-save.ts";
import type { ControllerContext, Observed } from "./context.ts";
import { loggedIn, specOf } from "./node-access.ts";
import { placementOf } from "./nodes.ts";

/** Longer than a save and a restart take; the restarted node is not paused anyway. */
const PAUSE_MS = 120_000;

/** Restarts each node group's primary still to change; true when one was (the pass reads the group again). */
export async function applyTransitChange(work: ControllerContext, group: ReplicationGroup, observed: Observed): Promise<boolean> {
  const previous = group.security?.previousTransit;
  if (group.status !== "modifying" || previous === undefined) return false;
  const due = group.nodeGroups.flatMap((nodeGroup) => {
    const primary = primaryOf(nodeGroup);
    const node = primary && nodeOf(primary);
    // A primary that is not running has no data to keep: the reboot path starts it as it is.
    return primary && node?.admin && node.status === "rebooting" && observed.get(node.runtimeName)?.running ? [{ primary, node }] : [];
  });
  if (due.length === 0) return false;
  // Every node is rebooting now: the health monitor stops probing them as they were before any restarts.
  await work.onTopology?.(group.id);
  for (const { primary, node } of due) await restartWithData(work, primary, node, previous);
  await work.onTopology?.(group.id);
  return true;
}

async function restartWithData(work: ControllerContext, primary: CacheCluster, node: CacheNode, previous: TransitState): Promise<void> {
  const profile = await reach(work, primary, node, previous);
  await work.redis.call(profile, "CLIENT", "PAUSE", String(PAUSE_MS), "WRITE");
  const dir = await mkdtemp(path.join(os.tmpdir(), "ecl-transit-"));
  try {
    await saveDataFile(work.redis, profile);
    const file = path.join(dir, "dump.rdb");
    await work.runtime.exportDataFile(node.runtimeName, file);
    const spec = { ...(await specOf(work.certificates, primary, node, { announceHost: work.announceHost })), dataFile: file };
    const handle = await work.runtime.restart(spec);
    const message = `Cache node ${node.nodeId} restarted with the new in-transit encryption settings`;
    await work.store.nodes.setStatus({ clusterId: node.clusterId, nodeId: node.nodeId }, "available", [event("cache-cluster", primary.id, message)], placementOf(handle));
  } catch (error) {
    // Clients may write again; the next pass tries again.
    await work.redis.call(profile, "CLIENT", "UNPAUSE").catch(() => undefined);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * How the control plane logs in to the node now: as it served before the change, or (a control
 * plane that died after restarting it) as it serves after.
 */
async function reach(work: ControllerContext, cluster: CacheCluster, node: CacheNode, previous: TransitState): Promise<ConnectionProfile> {
  const before = { ...cluster, security: withTransit(cluster.security!, previous) };
  try {
    return await loggedIn(work.redis, work.certificates, before, node.admin!);
  } catch {
    return loggedIn(work.redis, work.certificates, cluster, node.admin!);
  }
}
