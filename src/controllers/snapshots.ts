/**
 * The snapshot controller: takes, copies and deletes snapshot files for the rows the operations
 * wrote. Taking one: for each node group, BGSAVE on the member the row names (a replica when the
 * group had a healthy one), wait for the save, export the node's RDB file into the snapshot's
 * folder; then the snapshot is available and its source available again, with AWS's event. A
 * snapshot whose work fails is `failed` (its partial files removed) and the source is released.
 * One snapshot at a time per name; passes run on a kick and on an interval, and a restarted
 * control plane picks up what was in progress.
 */
import type { Logger } from "pino";
import { event, type NewEvent } from "../domain/events.ts";
import type { Snapshot, SnapshotNodeGroup } from "../domain/snapshots.ts";
import type { CacheCluster } from "../domain/model.ts";
import { primaryOf } from "../domain/topology.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import { saveDataFile } from "../engines/rdb-save.ts";
import { reasonOf } from "./cluster-reconciler.ts";
import type { ControllerContext } from "./context.ts";
import { loggedIn } from "./node-access.ts";
import { Kicker } from "./kicker.ts";
import { waitForReplicaCatchUp } from "./replication.ts";
import type { SnapshotFileStore } from "./snapshot-files.ts";

export interface SnapshotControllerOptions {
  intervalMs: number;
  logger: Logger;
}

function sourceEvent(snapshot: Snapshot, message: string): NewEvent {
  return snapshot.replicationGroupId
    ? event("replication-group", snapshot.replicationGroupId, message)
    : event("cache-cluster", snapshot.cacheClusterId ?? snapshot.name, message);
}

const sourceText = (snapshot: Snapshot) =>
  snapshot.replicationGroupId ? `replication group with ID '${snapshot.replicationGroupId}'` : `cache cluster with ID '${snapshot.cacheClusterId}'`;

export class SnapshotController {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly kicker: Kicker;

  constructor(
    private readonly work: ControllerContext,
    private readonly files: SnapshotFileStore,
    private readonly options: SnapshotControllerOptions,
  ) {
    this.kicker = new Kicker(() => void this.pass().catch((error) => options.logger.error({ err: error }, "snapshot pass failed")), options.intervalMs);
  }

  start(): void {
    this.kicker.start();
  }

  kick(): void {
    this.kicker.kick();
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled(this.inflight.values());
  }

  async stop(): Promise<void> {
    this.kicker.stop();
    await this.idle();
  }

  private async pass(): Promise<void> {
    for (const snapshot of await this.work.store.snapshots.pending()) {
      if (this.inflight.has(snapshot.name)) continue;
      const job = this.handle(snapshot)
        .catch((error) => this.options.logger.error({ err: error, snapshot: snapshot.name }, "snapshot work failed; retrying on the next pass"))
        .finally(() => this.inflight.delete(snapshot.name));
      this.inflight.set(snapshot.name, job);
    }
  }

  private async handle(snapshot: Snapshot): Promise<void> {
    if (snapshot.status === "deleting") {
      await this.files.removeSnapshot(snapshot.name);
      await this.work.store.snapshots.remove(snapshot.name, []);
      return;
    }
    let nodeGroups: SnapshotNodeGroup[];
    try {
      await this.files.prepare(snapshot.name);
      nodeGroups = snapshot.status === "creating" ? await this.take(snapshot) : await this.copy(snapshot);
    } catch (error) {
      await this.files.removeSnapshot(snapshot.name);
      await this.work.store.snapshots.finish(snapshot.name, "failed", snapshot.nodeGroups, [
        sourceEvent(snapshot, `Snapshot failed for snapshot with ID '${snapshot.name}' of ${sourceText(snapshot)}: ${reasonOf(error)}`),
      ]);
      return;
    }
    const events = snapshot.status === "creating" ? [sourceEvent(snapshot, `Snapshot succeeded for snapshot with ID '${snapshot.name}' of ${sourceText(snapshot)}`)] : [];
    await this.work.store.snapshots.finish(snapshot.name, "available", nodeGroups, events);
  }

  /** BGSAVE on each node group's chosen member, then its file into the snapshot's folder. */
  private async take(snapshot: Snapshot): Promise<SnapshotNodeGroup[]> {
    return Promise.all(
      snapshot.nodeGroups.map(async (entry) => {
        const member = await this.work.store.cacheClusters.get(entry.cacheClusterId);
        const node = member?.nodes.find((candidate) => candidate.nodeId === entry.cacheNodeId) ?? member?.nodes[0];
        if (!node?.admin) throw new Error(`cache cluster ${entry.cacheClusterId} has no running node`);
        const profile = await loggedIn(this.work.redis, this.work.certificates, member!, node.admin);
        await this.catchUp(member!, profile);
        await saveDataFile(this.work.redis, profile);
        const file = this.files.fileOf(snapshot.name, entry.nodeGroupId);
        await this.work.runtime.exportDataFile(node.runtimeName, file);
        return { ...entry, file, bytes: await this.files.size(file), createdAt: new Date() };
      }),
    );
  }

  /**
   * A replica's file must hold every write acknowledged before the snapshot was asked for: wait
   * until the replica has its primary's current offset (it may lag, or be re-syncing after a
   * restart, and would save an older or empty dataset). A primary that can't be asked (failed,
   * being failed over) leaves the replica's data as the best copy there is.
   */
  private async catchUp(member: CacheCluster, replica: ConnectionProfile): Promise<void> {
    if (member.role !== "replica" || !member.replicationGroupId) return;
    const group = await this.work.store.replicationGroups.get(member.replicationGroupId);
    const nodeGroup = group?.nodeGroups.find((candidate) => candidate.id === member.nodeGroupId && candidate.members.some((m) => m.id === member.id));
    const primaryMember = nodeGroup && primaryOf(nodeGroup);
    const primaryNode = primaryMember?.nodes[0];
    if (!primaryMember || !primaryNode?.admin) return;
    let primaryProfile: ConnectionProfile;
    try {
      primaryProfile = await loggedIn(this.work.redis, this.work.certificates, primaryMember, primaryNode.admin);
      if (await waitForReplicaCatchUp(this.work.redis, primaryProfile, replica, this.work.syncTimeoutMs)) return;
    } catch {
      return;
    }
    throw new Error(`replica ${member.id} did not catch up with its primary ${primaryMember.id} in ${this.work.syncTimeoutMs} ms`);
  }

  /** CopySnapshot: the source's files (named in the copied row) into the copy's folder. */
  private async copy(snapshot: Snapshot): Promise<SnapshotNodeGroup[]> {
    return Promise.all(
      snapshot.nodeGroups.map(async (entry) => {
        const file = this.files.fileOf(snapshot.name, entry.nodeGroupId);
        await this.files.copyInto(entry.file, file);
        return { ...entry, file };
      }),
    );
  }
}
