/**
 * Redis Cluster commands on one node, over the admin client's pooled connections: who a node is
 * (CLUSTER MYID), what it sees (CLUSTER NODES, parsed), and the commands that form, fail over and
 * reshard a cluster (MEET, ADDSLOTSRANGE, REPLICATE, FAILOVER, SETSLOT, MIGRATE).
 */
import type { ConnectionProfile } from "./connection.ts";
import type { RedisAdmin } from "./redis-admin.ts";

export interface ClusterNodeEntry {
  id: string;
  host: string;
  port: number;
  busPort: number;
  flags: Set<string>;
  /** The primary's id for a replica; undefined for a primary. */
  masterId?: string;
  /** Slots this node serves, as [start, end] pairs (migrating/importing markers left out). */
  slots: [number, number][];
  /** Slots being moved: slot -> node id, for `[slot->-id]` (migrating) and `[slot-<-id]` (importing). */
  migrating: Map<number, string>;
  importing: Map<number, string>;
}

/** One CLUSTER NODES line per node: `<id> <ip:port@bus[,hostname]> <flags> <master|-> <ping> <pong> <epoch> <link> <slots…>`. */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const out: ClusterNodeEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    if (fields.length < 8) continue;
    const [id, address, flags, master] = fields;
    const match = /^(.*):(\d+)@(\d+)/.exec(address);
    const entry: ClusterNodeEntry = {
      id,
      host: match?.[1] ?? "",
      port: Number(match?.[2] ?? 0),
      busPort: Number(match?.[3] ?? 0),
      flags: new Set(flags.split(",")),
      masterId: master === "-" ? undefined : master,
      slots: [],
      migrating: new Map(),
      importing: new Map(),
    };
    for (const slot of fields.slice(8)) {
      const moving = /^\[(\d+)-([<>])-(\w+)\]$/.exec(slot);
      if (moving) (moving[2] === ">" ? entry.migrating : entry.importing).set(Number(moving[1]), moving[3]);
      else {
        const [start, end] = slot.split("-").map(Number);
        entry.slots.push([start, end ?? start]);
      }
    }
    out.push(entry);
  }
  return out;
}

export class ClusterAdmin {
  constructor(private readonly redis: RedisAdmin) {}

  async myId(node: ConnectionProfile): Promise<string> {
    return String(await this.redis.call(node, "CLUSTER", "MYID"));
  }

  async nodes(node: ConnectionProfile): Promise<ClusterNodeEntry[]> {
    return parseClusterNodes(String(await this.redis.call(node, "CLUSTER", "NODES")));
  }

  /** `cluster_state`, `cluster_known_nodes`… of CLUSTER INFO. */
  async info(node: ConnectionProfile): Promise<Record<string, string>> {
    const text = String(await this.redis.call(node, "CLUSTER", "INFO"));
    return Object.fromEntries(text.split("\r\n").filter((line) => line.includes(":")).map((line) => line.split(":", 2) as [string, string]));
  }

  async meet(node: ConnectionProfile, host: string, port: number, busPort: number): Promise<void> {
    await this.redis.call(node, "CLUSTER", "MEET", host, port, busPort);
  }

  async addSlotsRange(node: ConnectionProfile, ranges: [number, number][]): Promise<void> {
    if (ranges.length > 0) await this.redis.call(node, "CLUSTER", "ADDSLOTSRANGE", ...ranges.flat());
  }

  async replicate(node: ConnectionProfile, primaryId: string): Promise<void> {
    await this.redis.call(node, "CLUSTER", "REPLICATE", primaryId);
  }

  /** On a replica: become its shard's primary; TAKEOVER needs no vote of the other primaries (the old one is dead). */
  async failover(node: ConnectionProfile, mode?: "FORCE" | "TAKEOVER"): Promise<void> {
    if (mode) await this.redis.call(node, "CLUSTER", "FAILOVER", mode);
    else await this.redis.call(node, "CLUSTER", "FAILOVER");
  }

  async forget(node: ConnectionProfile, id: string): Promise<void> {
    await this.redis.call(node, "CLUSTER", "FORGET", id);
  }

  async setSlot(node: ConnectionProfile, slot: number, state: "IMPORTING" | "MIGRATING" | "NODE", id: string): Promise<void> {
    await this.redis.call(node, "CLUSTER", "SETSLOT", slot, state, id);
  }

  async setSlotStable(node: ConnectionProfile, slot: number): Promise<void> {
    await this.redis.call(node, "CLUSTER", "SETSLOT", slot, "STABLE");
  }

  async keysInSlot(node: ConnectionProfile, slot: number, count: number): Promise<string[]> {
    return (await this.redis.call(node, "CLUSTER", "GETKEYSINSLOT", slot, count)) as string[];
  }

  /**
   * MIGRATE keys to `target` (its address as the source node reaches it); REPLACE so a retried
   * batch never fails on keys that arrived. `password`: the target's AUTH token, when it has one
   * (MIGRATE logs in to it as `default`).
   */
  async migrate(node: ConnectionProfile, target: { host: string; port: number }, keys: string[], timeoutMs: number, password?: string): Promise<void> {
    if (keys.length === 0) return;
    const auth = password === undefined ? [] : ["AUTH", password];
    await this.redis.call(node, "MIGRATE", target.host, target.port, "", 0, timeoutMs, "REPLACE", ...auth, "KEYS", ...keys);
  }
}
