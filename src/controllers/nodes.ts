/**
 * Runtime work on a resource's nodes: make the present ones run (adopting what already runs),
 * restart the ones being rebooted, remove the absent ones, and forget removed rows.
 */
import { arnOf } from "../domain/arn.ts";
import { event, type SourceType } from "../domain/events.ts";
import type { CacheCluster, CacheNode } from "../domain/model.ts";
import type { Address, NodeHandle } from "../runtime/types.ts";
import type { NodePlacement } from "../store/index.ts";
import type { ControllerContext, Observed } from "./context.ts";
import { specOf, TLS_PORT_NAME } from "./node-access.ts";

/** A start that failed because another program took the node's port after it was allocated. */
export const PORT_TAKEN = /address already in use|port is already allocated/i;

const keyOf = (node: CacheNode) => ({ clusterId: node.clusterId, nodeId: node.nodeId });

export const placementOf = (handle: NodeHandle): NodePlacement => {
  const tls = handle.ports[TLS_PORT_NAME];
  return { runtimeId: handle.runtimeId, admin: handle.adminAddress, peer: handle.peerAddress, ...(tls ? { tls: { admin: tls.admin, peer: tls.peer } } : {}) };
};

const sameAddress = (a: { host: string; port: number } | undefined, b: { host: string; port: number } | undefined) =>
  a?.host === b?.host && a?.port === b?.port;

/**
 * Starts a new node; if its port was taken in the meantime (ports checked free at allocation can
 * be grabbed by any program, e.g. as an outgoing connection's ephemeral port), the node moves to
 * another free port once and starts there.
 */
async function startNew(work: ControllerContext, cluster: CacheCluster, node: CacheNode, replicaOf: Address | undefined): Promise<NodeHandle> {
  try {
    return await work.runtime.start(await specOf(work.certificates, cluster, node, { replicaOf, announceHost: work.announceHost }));
  } catch (error) {
    if (node.status !== "creating" || !PORT_TAKEN.test(String((error as Error).message))) throw error;
    await work.runtime.remove(node.runtimeName);
    const picked = await work.store.ports.pick(1);
    if (!picked) throw error;
    await work.store.nodes.movePort(node, picked[0]);
    node.hostPort = picked[0];
    return work.runtime.start(await specOf(work.certificates, cluster, node, { replicaOf, announceHost: work.announceHost }));
  }
}

/**
 * Starts (or adopts) every present node of a cluster; reboots those marked rebooting. A replica
 * member's nodes get `replicaOf` (its primary's peer address) and start or restart as replicas.
 */
export async function ensureNodes(
  work: ControllerContext,
  cluster: CacheCluster,
  observed: Observed,
  replicaOf?: Address,
): Promise<Map<string, NodeHandle>> {
  const handles = new Map<string, NodeHandle>();
  await Promise.all(
    cluster.nodes
      .filter((node) => node.desired === "present")
      .map(async (node) => {
        const seen = observed.get(node.runtimeName);
        let handle: NodeHandle;
        if (node.status === "rebooting") {
          const spec = await specOf(work.certificates, cluster, node, { replicaOf, announceHost: work.announceHost });
          handle = seen?.running ? await work.runtime.restart(spec) : await work.runtime.start(spec);
          const placement = placementOf(handle);
          await work.store.nodes.setStatus(keyOf(node), "available", [event("cache-cluster", cluster.id, `Cache node ${node.nodeId} restarted`)], placement);
          // The restart read the parameter group's values: what waited for a reboot is in effect.
          if (cluster.parameterApplyStatus === "pending-reboot") await work.store.parameterGroups.markRebooted(cluster.id);
          Object.assign(node, { status: "available", runtimeId: placement.runtimeId, admin: placement.admin, peer: placement.peer, tlsAdmin: placement.tls?.admin, tlsPeer: placement.tls?.peer });
          // The endpoints may have dropped the node while it restarted (the health monitor saw it
          // go and had them follow the store): they take it back now, not at their next resync.
          void work.onTopology?.(cluster.replicationGroupId ?? cluster.id);
        } else if (seen?.running && node.status === "creating") {
          // Started by an earlier pass (or a control plane that died since) but never seen serving:
          // the runtime adopts it only if it answers as its spec says, and replaces it otherwise.
          handle = await work.runtime.start(await specOf(work.certificates, cluster, node, { replicaOf, announceHost: work.announceHost }));
        } else if (seen?.running && node.status !== "failed") {
          handle = seen;
        } else {
          // A node that ran before and died (or hangs: status failed) is recovered in place.
          const recovering = node.status === "available" || node.status === "failed";
          if (recovering) {
            await work.store.nodes.setStatus(keyOf(node), "failed", [event("cache-cluster", cluster.id, `Recovering cache nodes ${node.nodeId}`)]);
            node.status = "failed";
          }
          handle = seen?.running ? await work.runtime.restart(await specOf(work.certificates, cluster, node, { replicaOf, announceHost: work.announceHost })) : await startNew(work, cluster, node, replicaOf);
        }
        const placement = placementOf(handle);
        const recorded =
          node.runtimeId === placement.runtimeId &&
          sameAddress(node.admin, placement.admin) &&
          sameAddress(node.peer, placement.peer) &&
          sameAddress(node.tlsAdmin, placement.tls?.admin) &&
          sameAddress(node.tlsPeer, placement.tls?.peer);
        if (!recorded) await work.store.nodes.recordPlacement(keyOf(node), placement);
        handles.set(node.nodeId, handle);
      }),
  );
  return handles;
}

/** Removes the runtime side of the given nodes; "already gone" is fine. */
export async function removeNodes(work: ControllerContext, runtimeNames: string[]): Promise<void> {
  await Promise.all(runtimeNames.map((name) => work.runtime.remove(name)));
}

/** After their nodes are gone: delete node rows marked absent, release their ports, record events. */
export async function forgetAbsentNodes(work: ControllerContext, cluster: CacheCluster): Promise<number> {
  const absent = cluster.nodes.filter((node) => node.desired === "absent");
  if (absent.length === 0) return 0;
  await removeNodes(work, absent.map((node) => node.runtimeName));
  await work.store.nodes.forget(
    absent,
    absent.map((node) => event("cache-cluster", cluster.id, `Removed cache node ${node.nodeId}`)),
  );
  return absent.length;
}

/** Removes a whole cluster: runtime nodes first, then rows, ports and tags, so a crash in between is retried. */
export async function deleteCluster(work: ControllerContext, cluster: CacheCluster, sourceType: SourceType = "cache-cluster"): Promise<void> {
  await removeNodes(work, cluster.nodes.map((node) => node.runtimeName));
  await work.store.cacheClusters.remove(cluster, arnOf(work.account, "cluster", cluster.id), [event(sourceType, cluster.id, "Cache cluster deleted")]);
  // The subnet group's network goes with its last node; the runtime keeps it while anything uses it.
  await work.runtime.removeNetwork?.(cluster.subnetGroupName).catch(() => undefined);
}
