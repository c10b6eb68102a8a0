/**
 * Node-level writes of the controllers (where a node runs, its status as it is started, rebooted,
 * recovered or found failed, its removal) and the node list the health monitor probes.
 */
import type { NewEvent } from "../domain/events.ts";
import type { Address, CacheNode, Role } from "../domain/model.ts";
import type { Engine } from "../domain/catalog.ts";
import type { NodeSecurity } from "../domain/security.ts";
import { securityOf } from "./security-columns.ts";
import type { Db } from "./database.ts";
import { writeEvents } from "./events.ts";
import { claimPorts, owners, releasePorts } from "./ports.ts";

export interface NodeKey {
  clusterId: string;
  nodeId: string;
}

export interface NodePlacement {
  runtimeId: string;
  admin: Address;
  peer: Address;
  /** Transit encryption "preferred": where its TLS listener is reached. */
  tls?: { admin: Address; peer: Address };
}

/** A node the health monitor probes, with what it needs to judge the answer. */
export interface ProbedNode extends NodeKey {
  status: string;
  engine: Engine;
  admin: Address;
  peer?: Address;
  /** Transit encryption "preferred": where the other nodes reach its TLS listener. */
  tlsPeer?: Address;
  /** Its cluster's transit encryption and tokens. */
  security?: NodeSecurity;
  role?: Role;
  /** The node group it belongs to, as "<replication group>/<node group>". */
  nodeGroup?: string;
}

const placementData = (placement: NodePlacement) => ({
  runtimeId: placement.runtimeId,
  adminHost: placement.admin.host,
  adminPort: placement.admin.port,
  peerHost: placement.peer.host,
  peerPort: placement.peer.port,
  tlsAdminHost: placement.tls?.admin.host ?? null,
  tlsAdminPort: placement.tls?.admin.port ?? null,
  tlsPeerHost: placement.tls?.peer.host ?? null,
  tlsPeerPort: placement.tls?.peer.port ?? null,
});

export class NodeRepository {
  constructor(private readonly db: Db) {}

  /** Where a started or adopted node runs. */
  async recordPlacement(key: NodeKey, placement: NodePlacement): Promise<void> {
    await this.db.cacheNode.update({ where: { clusterId_nodeId: key }, data: placementData(placement) });
  }

  /** A node's new status (with its placement when it was just started), with its events. */
  async setStatus(key: NodeKey, status: string, events: NewEvent[], placement?: NodePlacement): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.cacheNode.update({ where: { clusterId_nodeId: key }, data: { status, ...(placement ? placementData(placement) : {}) } });
      await writeEvents(tx, events);
    });
  }

  /**
   * The health monitor's verdict: only a node still believed available is failed, and not while
   * its node group is failing over (a failover stops nodes on purpose). False when nothing was written.
   */
  async markFailedIfAvailable(key: NodeKey, events: NewEvent[]): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.cacheNode.updateMany({
        // Not a node going away on purpose (its cluster or group deleted, the node removed): it
        // stops because it was asked to, and that is no failure.
        where: {
          ...key,
          status: "available",
          desired: "present",
          cluster: { status: { not: "deleting" }, NOT: { nodeGroup: { is: { failoverPhase: { not: null } } } } },
        },
        data: { status: "failed" },
      });
      if (count > 0) await writeEvents(tx, events);
      return count > 0;
    });
  }

  /** A new node whose port was taken by another program moves to another port. */
  async movePort(node: CacheNode, port: number): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await releasePorts(tx, [owners.node(node.runtimeName)]);
      // The TLS and cluster bus ports have the same owner: they stay the node's.
      const ports = [port, ...(node.tlsPort === undefined ? [] : [node.tlsPort]), ...(node.busPort === undefined ? [] : [node.busPort])];
      await claimPorts(tx, ports.map((claimed) => ({ port: claimed, owner: owners.node(node.runtimeName) })));
      await tx.cacheNode.update({ where: { clusterId_nodeId: { clusterId: node.clusterId, nodeId: node.nodeId } }, data: { hostPort: port } });
    });
  }

  /** Removed nodes (desired absent, gone from the runtime): their rows and ports. */
  async forget(nodes: CacheNode[], events: NewEvent[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.db.$transaction(async (tx) => {
      await releasePorts(tx, nodes.map((node) => owners.node(node.runtimeName)));
      for (const node of nodes) await tx.cacheNode.delete({ where: { clusterId_nodeId: { clusterId: node.clusterId, nodeId: node.nodeId } } });
      await writeEvents(tx, events);
    });
  }

  /** Every present node with a known address, and its role in its node group (one query). */
  async probed(): Promise<ProbedNode[]> {
    const rows = await this.db.cacheNode.findMany({
      where: { desired: "present", adminHost: { not: null } },
      select: {
        clusterId: true,
        nodeId: true,
        status: true,
        adminHost: true,
        adminPort: true,
        peerHost: true,
        peerPort: true,
        tlsPeerHost: true,
        tlsPeerPort: true,
        cluster: {
          select: {
            engine: true,
            role: true,
            replicationGroupId: true,
            nodeGroupId: true,
            transitEncryption: true,
            transitEncryptionMode: true,
            authTokens: true,
            previousAuthTokens: true,
            previousTransitMode: true,
            userGroupId: true,
            accessControl: true,
            authTokenLastModified: true,
          },
        },
      },
    });
    return rows.map((row) => ({
      clusterId: row.clusterId,
      nodeId: row.nodeId,
      status: row.status,
      engine: row.cluster.engine as Engine,
      admin: { host: row.adminHost!, port: row.adminPort! },
      peer: row.peerHost !== null && row.peerPort !== null ? { host: row.peerHost, port: row.peerPort } : undefined,
      tlsPeer: row.tlsPeerHost !== null && row.tlsPeerPort !== null ? { host: row.tlsPeerHost, port: row.tlsPeerPort } : undefined,
      security: securityOf(row.cluster),
      role: (row.cluster.role ?? undefined) as Role | undefined,
      nodeGroup: row.cluster.replicationGroupId && row.cluster.nodeGroupId ? `${row.cluster.replicationGroupId}/${row.cluster.nodeGroupId}` : undefined,
    }));
  }
}
