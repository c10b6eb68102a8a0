/**
 * Runtime work on a resource's nodes: make the present ones run (adopting what already runs),
 * restart the ones being rebooted, remove the absent ones, and forget removed rows.
 */
import { arnOf, type Account } from "../elasticache/arn.ts";
import { recordEvent, type SourceType } from "../elasticache/events.ts";
import { claimPorts, endpointPortOwner, nodePortOwner, pickPorts, releasePorts, type PortPool } from "../elasticache/ports.ts";
import type { ClusterRow } from "../elasticache/shapes.ts";
import type { NodeHandle, NodeRuntime, ObservedNode } from "../runtime/types.ts";
import type { Db } from "../store/database.ts";
import { nodeSpecOf } from "./node-spec.ts";

export interface NodeWork {
  db: Db;
  runtime: NodeRuntime;
  account: Account;
  ports: PortPool;
}

/** A start that failed because another program took the node's port after it was allocated. */
const PORT_TAKEN = /address already in use|port is already allocated/i;

/**
 * Starts a new node; if its port was taken in the meantime (ports checked free at allocation can
 * be grabbed by any program, e.g. as an outgoing connection's ephemeral port), the node moves to
 * another free port once and starts there.
 */
async function startNew(work: NodeWork, cluster: ClusterRow, node: ClusterRow["nodes"][number]): Promise<NodeHandle> {
  try {
    return await work.runtime.start(nodeSpecOf(cluster, node));
  } catch (error) {
    if (node.status !== "creating" || !PORT_TAKEN.test(String((error as Error).message))) throw error;
    await work.runtime.remove(node.runtimeName);
    const [port] = await pickPorts(work.db, work.ports, 1);
    await work.db.$transaction(async (tx) => {
      await tx.portAllocation.deleteMany({ where: { owner: nodePortOwner(node.runtimeName) } });
      await claimPorts(tx, [{ port, owner: nodePortOwner(node.runtimeName) }]);
      await tx.cacheNode.update({ where: { clusterId_nodeId: { clusterId: cluster.id, nodeId: node.nodeId } }, data: { hostPort: port } });
    });
    node.hostPort = port;
    return work.runtime.start(nodeSpecOf(cluster, node));
  }
}

export type Observed = Map<string, ObservedNode>;

/** Starts (or adopts) every present node of a cluster; reboots those marked rebooting. */
export async function ensureNodes(work: NodeWork, cluster: ClusterRow, observed: Observed): Promise<Map<string, NodeHandle>> {
  const handles = new Map<string, NodeHandle>();
  await Promise.all(
    cluster.nodes
      .filter((node) => node.desired === "present")
      .map(async (node) => {
        const seen = observed.get(node.runtimeName);
        let handle: NodeHandle;
        if (node.status === "rebooting") {
          handle = seen?.running ? await work.runtime.restart(nodeSpecOf(cluster, node)) : await work.runtime.start(nodeSpecOf(cluster, node));
          await work.db.$transaction(async (tx) => {
            await tx.cacheNode.update({
              where: { clusterId_nodeId: { clusterId: cluster.id, nodeId: node.nodeId } },
              data: { status: "available", runtimeId: handle.runtimeId },
            });
            await recordEvent(tx, "cache-cluster", cluster.id, `Cache node ${node.nodeId} restarted`);
          });
        } else if (seen?.running && node.status !== "failed") {
          handle = seen;
        } else {
          // A node that ran before and died (or hangs: status failed) is recovered in place.
          const recovering = node.status === "available" || node.status === "failed";
          if (recovering) {
            await work.db.$transaction(async (tx) => {
              await tx.cacheNode.update({
                where: { clusterId_nodeId: { clusterId: cluster.id, nodeId: node.nodeId } },
                data: { status: "failed", healthy: false },
              });
              await recordEvent(tx, "cache-cluster", cluster.id, `Recovering cache nodes ${node.nodeId}`);
            });
            node.status = "failed";
          }
          handle = seen?.running ? await work.runtime.restart(nodeSpecOf(cluster, node)) : await startNew(work, cluster, node);
        }
        const addresses = {
          runtimeId: handle.runtimeId,
          adminHost: handle.adminAddress.host,
          adminPort: handle.adminAddress.port,
          peerHost: handle.peerAddress.host,
          peerPort: handle.peerAddress.port,
        };
        const recorded =
          node.runtimeId === addresses.runtimeId &&
          node.adminHost === addresses.adminHost &&
          node.adminPort === addresses.adminPort &&
          node.peerHost === addresses.peerHost &&
          node.peerPort === addresses.peerPort;
        if (!recorded) {
          await work.db.cacheNode.update({
            where: { clusterId_nodeId: { clusterId: cluster.id, nodeId: node.nodeId } },
            data: addresses,
          });
        }
        handles.set(node.nodeId, handle);
      }),
  );
  return handles;
}

/** Removes the runtime side of the given nodes; "already gone" is fine. */
export async function removeNodes(work: NodeWork, runtimeNames: string[]): Promise<void> {
  await Promise.all(runtimeNames.map((name) => work.runtime.remove(name)));
}

/** After their nodes are gone: delete node rows marked absent, release their ports, record events. */
export async function forgetAbsentNodes(work: NodeWork, cluster: ClusterRow): Promise<number> {
  const absent = cluster.nodes.filter((node) => node.desired === "absent");
  if (absent.length === 0) return 0;
  await removeNodes(work, absent.map((node) => node.runtimeName));
  await work.db.$transaction(async (tx) => {
    await releasePorts(tx, absent.map((node) => nodePortOwner(node.runtimeName)));
    await tx.cacheNode.deleteMany({ where: { clusterId: cluster.id, nodeId: { in: absent.map((node) => node.nodeId) } } });
    for (const node of absent) await recordEvent(tx, "cache-cluster", cluster.id, `Removed cache node ${node.nodeId}`);
  });
  return absent.length;
}

/** Removes a whole cluster: runtime nodes first, then rows, ports and tags, so a crash in between is retried. */
export async function deleteCluster(work: NodeWork, cluster: ClusterRow, sourceType: SourceType = "cache-cluster"): Promise<void> {
  await removeNodes(work, cluster.nodes.map((node) => node.runtimeName));
  await work.db.$transaction(async (tx) => {
    await releasePorts(tx, cluster.nodes.map((node) => nodePortOwner(node.runtimeName)));
    await releasePorts(tx, [endpointPortOwner(cluster.id, "configuration")]);
    await tx.tag.deleteMany({ where: { arn: arnOf(work.account, "cluster", cluster.id) } });
    await tx.cacheCluster.delete({ where: { id: cluster.id } });
    await recordEvent(tx, sourceType, cluster.id, "Cache cluster deleted");
  });
  // The subnet group's network goes with its last node; the runtime keeps it while anything uses it.
  await work.runtime.removeNetwork?.(cluster.subnetGroupName).catch(() => undefined);
}
