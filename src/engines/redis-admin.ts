/**
 * Admin client for Redis/Valkey nodes: a pool of one ioredis connection per connection profile
 * (address, TLS material, credentials), reused across calls (a health monitor probes hundreds of
 * nodes every few hundred ms; no per-probe handshake). Every call names the profile it uses, so
 * there are no global credentials. Connections never retry or queue: a call against an unreachable
 * node fails fast, the broken connection is dropped, and the next call dials again.
 */
import { Redis } from "ioredis";
import type { Address } from "../runtime/types.ts";
import { addressOf, profileKey, tlsOptionsOf, type ConnectionProfile } from "./connection.ts";

export interface RedisAdminOptions {
  /** TCP connect timeout; default 500 ms. */
  connectTimeoutMs?: number;
  /** Per-command timeout; default 2000 ms (the connection is dropped when it fires). */
  commandTimeoutMs?: number;
  /** Close connections unused for this long; default 30 s, 0 keeps them. */
  idleMs?: number;
}

export interface ReplicaEntry {
  ip: string;
  port: number;
  state: string;
  offset: number;
  lag: number;
}

export interface ReplicationInfo {
  role: "master" | "slave";
  connectedSlaves: number;
  /** Replicas as the primary sees them (slave0, slave1, ...). */
  slaves: ReplicaEntry[];
  masterReplId?: string;
  masterReplOffset: number;
  /** Replica only. */
  masterHost?: string;
  masterPort?: number;
  masterLinkStatus?: "up" | "down";
  masterSyncInProgress?: boolean;
  masterLastIoSecondsAgo?: number;
  slaveReplOffset?: number;
  slaveReadOnly?: boolean;
}

/** INFO text -> { section: { key: value } } (section names lowercased). */
export function parseInfoSections(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "default";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      section = line.slice(1).trim().toLowerCase();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    (out[section] ??= {})[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

/** INFO text -> flat { key: value } (all sections). */
export function parseInfo(text: string): Record<string, string> {
  return Object.assign({}, ...Object.values(parseInfoSections(text)));
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `INFO replication` text -> ReplicationInfo. */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const kv = parseInfo(text);
  const role = kv.role === "slave" || kv.role === "replica" ? "slave" : "master";
  const slaves: ReplicaEntry[] = [];
  for (const [key, value] of Object.entries(kv)) {
    if (!/^slave\d+$/.test(key)) continue;
    // ip=172.18.0.3,port=6379,state=online,offset=1234,lag=0
    const f = Object.fromEntries(value.split(",").map((p) => p.split("=") as [string, string]));
    slaves[Number(key.slice(5))] = { ip: f.ip ?? "", port: num(f.port) ?? 0, state: f.state ?? "", offset: num(f.offset) ?? 0, lag: num(f.lag) ?? 0 };
  }
  const info: ReplicationInfo = {
    role,
    connectedSlaves: num(kv.connected_slaves) ?? 0,
    slaves: slaves.filter(Boolean),
    masterReplId: kv.master_replid,
    masterReplOffset: num(kv.master_repl_offset) ?? 0,
  };
  if (role === "slave") {
    info.masterHost = kv.master_host;
    info.masterPort = num(kv.master_port);
    info.masterLinkStatus = kv.master_link_status === "up" ? "up" : "down";
    info.masterSyncInProgress = kv.master_sync_in_progress === "1";
    info.masterLastIoSecondsAgo = num(kv.master_last_io_seconds_ago);
    info.slaveReplOffset = num(kv.slave_repl_offset);
    if (kv.slave_read_only !== undefined) info.slaveReadOnly = kv.slave_read_only === "1";
  }
  return info;
}

interface PoolEntry {
  client: Redis;
  ready: Promise<Redis>;
  lastUsed: number;
}

export class RedisAdmin {
  private readonly pool = new Map<string, PoolEntry>();
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private closed = false;

  private readonly sweeper?: NodeJS.Timeout;

  constructor(opts: RedisAdminOptions = {}) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 500;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 2000;
    // Admin commands come in bursts (create, failover); an idle connection costs memory on both
    // sides for nothing, so connections unused for idleMs are closed.
    const idleMs = opts.idleMs ?? 30_000;
    if (idleMs > 0) {
      this.sweeper = setInterval(() => {
        const now = performance.now();
        for (const [k, entry] of this.pool) {
          if (now - entry.lastUsed > idleMs) {
            this.pool.delete(k);
            entry.client.disconnect(false);
          }
        }
      }, Math.max(1000, idleMs / 4));
      this.sweeper.unref();
    }
  }

  /** Round trip of a PING in ms (rejects when the node does not answer PONG). */
  async ping(node: ConnectionProfile): Promise<number> {
    const t0 = performance.now();
    const reply = await this.call(node, "PING");
    if (reply !== "PONG") throw new Error(`Unexpected PING reply from ${addressOf(node)}: ${String(reply)}`);
    return performance.now() - t0;
  }

  async info(node: ConnectionProfile, section?: string): Promise<string> {
    return String(await this.call(node, "INFO", ...(section ? [section] : [])));
  }

  async infoReplication(node: ConnectionProfile): Promise<ReplicationInfo> {
    return parseReplicationInfo(await this.info(node, "replication"));
  }

  /** REPLICAOF host port: `primary` is the primary's peerAddress (reachable from the replica). */
  async replicaOf(node: ConnectionProfile, primary: Address): Promise<void> {
    await this.call(node, "REPLICAOF", primary.host, String(primary.port));
  }

  /** REPLICAOF NO ONE. */
  async promote(node: ConnectionProfile): Promise<void> {
    await this.call(node, "REPLICAOF", "NO", "ONE");
  }

  async configSet(node: ConnectionProfile, key: string, value: string): Promise<void> {
    await this.call(node, "CONFIG", "SET", key, value);
  }

  async configGet(node: ConnectionProfile, pattern: string): Promise<Record<string, string>> {
    const reply = (await this.call(node, "CONFIG", "GET", pattern)) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[reply[i]] = reply[i + 1];
    return out;
  }

  /** Any command over the pooled connection. Connection-level failures drop the connection. */
  call(node: ConnectionProfile, command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.send(node, (client) => client.call(command, ...args));
  }

  /**
   * A command with binary arguments and replies (DUMP payloads, key names that need not be UTF-8);
   * replies come back as Buffers. Calls made without awaiting each other are pipelined.
   */
  callBuffer(node: ConnectionProfile, command: string, ...args: (string | number | Buffer)[]): Promise<unknown> {
    return this.send(node, (client) => client.callBuffer(command, ...args));
  }

  private async send(node: ConnectionProfile, command: (client: Redis) => Promise<unknown>): Promise<unknown> {
    const client = await this.connection(node);
    const entry = this.pool.get(profileKey(node));
    if (entry) entry.lastUsed = performance.now();
    try {
      return await command(client);
    } catch (err) {
      if ((err as Error)?.name !== "ReplyError") this.release(node);
      throw err;
    }
  }

  /** Drops the pooled connection of a profile (e.g. after the node was removed). */
  release(node: ConnectionProfile): void {
    const k = profileKey(node);
    const entry = this.pool.get(k);
    if (!entry) return;
    this.pool.delete(k);
    entry.client.disconnect(false);
  }

  /** Number of pooled connections (for tests and metrics). */
  get size(): number {
    return this.pool.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const entries = [...this.pool.values()];
    this.pool.clear();
    for (const e of entries) e.client.disconnect(false);
  }

  private connection(node: ConnectionProfile): Promise<Redis> {
    if (this.closed) return Promise.reject(new Error("RedisAdmin is closed"));
    const k = profileKey(node);
    const existing = this.pool.get(k);
    if (existing) return existing.ready;
    const client = new Redis({
      host: node.host,
      port: node.port,
      tls: tlsOptionsOf(node),
      lazyConnect: true,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: this.commandTimeoutMs,
    });
    client.on("error", () => {
      /* reported through the failing call */
    });
    const entry: PoolEntry = {
      lastUsed: performance.now(),
      client,
      // AUTH is sent here rather than by ioredis, so a refused password fails the call with
      // Redis' own answer (WRONGPASS) instead of a closed stream.
      ready: client
        .connect()
        .then(async () => {
          if (node.password !== undefined) await client.call("AUTH", ...(node.username ? [node.username] : []), node.password);
          return client;
        })
        .catch((err: unknown) => {
          if (this.pool.get(k) === entry) this.pool.delete(k);
          client.disconnect(false);
          throw err;
        }),
    };
    client.once("end", () => {
      if (this.pool.get(k) === entry) this.pool.delete(k);
    });
    this.pool.set(k, entry);
    return entry.ready;
  }
}
