/**
 * Restore of a cluster-mode-enabled group from files of another shard layout (another number of
 * shards, other slots, a cluster-mode-disabled snapshot, SnapshotArns): once the new cluster is
 * formed with its slots (and empty), each file is loaded into a temporary node (cluster mode off, so
 * it holds keys of every slot), and every key is copied with DUMP and its absolute expiry
 * (PEXPIRETIME) to the primary of the shard owning its slot (RESTORE … REPLACE ABSTTL: value, type
 * and TTL as they were). Only then is the store told the keys are in place, and the group may
 * become available. Repeating it after a crash is harmless: RESTORE … REPLACE writes the same keys.
 */
import { randomBytes } from "node:crypto";
import keySlot from "cluster-key-slot";
import { memoryOf } from "../domain/catalog.ts";
import type { ReplicationGroup } from "../domain/model.ts";
import { parseSlots } from "../domain/slots.ts";
import { parseInfoSections } from "../engines/redis-admin.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { EngineKind, NodeSpec } from "../runtime/types.ts";
import type { ControllerContext } from "./context.ts";
import { PORT_TAKEN } from "./nodes.ts";

/** Keys a SCAN step asks for; their DUMPs and RESTOREs go pipelined. */
const KEYS_PER_STEP = 1000;

/** The files cannot be restored into a cluster (AWS's restore fails the same way): the group's creation fails. */
export class RestoreRefused extends Error {}

/** Loads every restore file's keys into the shards owning them, then clears the group's restore files. */
export async function placeRestoredKeys(work: ControllerContext, group: ReplicationGroup, profiles: Map<string, ConnectionProfile>): Promise<void> {
  const files = group.restoreFiles ?? [];
  const owners = ownersOfSlots(group, profiles);
  for (const [index, file] of files.entries()) {
    await withLoader(work, group, index, file, async (source) => {
      await requireOnlyDatabaseZero(work, source, file);
      await copyKeys(work, source, owners);
    });
  }
  await work.store.replicationGroups.restorePlaced(group.id);
}

/** The primary of the shard owning each slot (the store's slots: the cluster was just formed with them). */
function ownersOfSlots(group: ReplicationGroup, profiles: Map<string, ConnectionProfile>): ConnectionProfile[] {
  const owners: ConnectionProfile[] = [];
  for (const nodeGroup of group.nodeGroups) {
    const primary = nodeGroup.members.find((member) => member.role === "primary" && member.status !== "deleting");
    const profile = primary && profiles.get(primary.id);
    if (!profile) throw new Error(`node group ${nodeGroup.id} of replication group ${group.id} has no running primary to restore into`);
    for (const range of parseSlots(nodeGroup.slots ?? "") ?? []) for (let slot = range.start; slot <= range.end; slot++) owners[slot] = profile;
  }
  return owners;
}

/**
 * Runs `use` against a temporary node started from `file`, and removes the node afterwards. The
 * node is listed as transient while it exists, so the reconciler's orphan sweep leaves it alone; one
 * a crashed control plane left behind is an orphan to the next one and goes. Each attempt's node
 * has a name of its own, so a sweep that observed an earlier attempt's node never removes this one.
 */
async function withLoader(work: ControllerContext, group: ReplicationGroup, index: number, file: string, use: (source: ConnectionProfile) => Promise<void>): Promise<void> {
  const transient = (work.transientNodes ??= new Set());
  const name = `${group.id}-restore-${index + 1}-${randomBytes(3).toString("hex")}`;
  const port = (await work.store.ports.pick(1))?.[0];
  if (port === undefined) throw new Error("no free port for a restore loader");
  const spec: NodeSpec = {
    name,
    engine: group.engine as EngineKind,
    engineVersion: group.engineVersion,
    hostPort: port,
    network: group.subnetGroupName,
    maxMemoryMb: memoryOf(group.cacheNodeType) ?? 512,
    dataFile: file,
    labels: { "replication-group": group.id, purpose: "restore" },
  };
  let source: ConnectionProfile | undefined;
  transient.add(name);
  try {
    // A file Redis cannot load fails the creation, as a node that cannot start does; a port
    // another program took meanwhile (ports are picked, not reserved) is tried again next pass.
    const handle = await work.runtime.start(spec).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw PORT_TAKEN.test(reason) ? error : new RestoreRefused(`the snapshot file ${file} could not be loaded: ${reason}`);
    });
    source = { host: handle.adminAddress.host, port: handle.adminAddress.port };
    await use(source);
  } finally {
    if (source) work.redis.release(source);
    await work.runtime.remove(name).catch(() => undefined);
    transient.delete(name);
  }
}

/** Redis Cluster has database 0 only: AWS's restore fails on a file that uses another. */
async function requireOnlyDatabaseZero(work: ControllerContext, source: ConnectionProfile, file: string): Promise<void> {
  const keyspace = parseInfoSections(await work.redis.info(source, "keyspace")).keyspace ?? {};
  const other = Object.keys(keyspace).find((db) => db !== "db0");
  if (other !== undefined) throw new RestoreRefused(`the snapshot file ${file} has keys in ${other}; a cluster-mode-enabled group has database 0 only`);
}

/** SCANs the source and copies each key, with its absolute expiry, to the owner of its slot. */
async function copyKeys(work: ControllerContext, source: ConnectionProfile, owners: ConnectionProfile[]): Promise<void> {
  let cursor = "0";
  do {
      const [next, keys] = (await work.redis.callBuffer(source, "SCAN", cursor, "COUNT", KEYS_PER_STEP)) as [Buffer, Buffer[]];
      cursor = next.toString();
      const dumps = await Promise.all(keys.map((key) => work.redis.callBuffer(source, "DUMP", key) as Promise<Buffer | null>));
      const expiries = await Promise.all(keys.map((key) => work.redis.callBuffer(source, "PEXPIRETIME", key) as Promise<number>));
      await Promise.all(
        keys.map((key, index) => {
          // Gone since the SCAN (expired): nothing to copy. -1: no expiry (RESTORE's TTL 0).
          if (dumps[index] === null || expiries[index] === -2) return undefined;
          const owner = owners[keySlot(key)];
          return work.redis.callBuffer(owner, "RESTORE", key, Math.max(expiries[index], 0), dumps[index]!, "REPLACE", "ABSTTL");
        }),
      );
  } while (cursor !== "0");
}
