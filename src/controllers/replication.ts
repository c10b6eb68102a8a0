/**
 * Pointing replicas at their primary and waiting until they are in sync: the part of a
 * replication group that lives inside Redis rather than in the runtime.
 */
import type { ConnectionProfile } from "../engines/connection.ts";
import type { RedisAdmin } from "../engines/redis-admin.ts";
import type { Address } from "../runtime/types.ts";

/** A primary as its replicas need it: how the control plane logs in, and where replicas connect. */
export interface PrimaryLink {
  admin: ConnectionProfile;
  /** The address replicas follow (its TLS listener with transit encryption). */
  peer: Address;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes `primary` a primary and every replica a replica of it; only sends what differs. */
export async function configureReplication(redis: RedisAdmin, primary: PrimaryLink, replicas: ConnectionProfile[]): Promise<void> {
  const primaryInfo = await redis.infoReplication(primary.admin);
  if (primaryInfo.role !== "master") await redis.promote(primary.admin);
  await Promise.all(
    replicas.map(async (replica) => {
      const info = await redis.infoReplication(replica);
      const following = info.role === "slave" && info.masterHost === primary.peer.host && info.masterPort === primary.peer.port;
      if (!following) await redis.replicaOf(replica, primary.peer);
    }),
  );
}

/** Asks `done` until it says true (true) or the timeout passes (false), 5 ms apart at first, then up to 100 ms. */
async function pollUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

/** Resolves true once every replica reports master_link_status:up, false after the timeout. */
export async function waitForReplicaLinks(redis: RedisAdmin, replicas: ConnectionProfile[], timeoutMs: number): Promise<boolean> {
  return pollUntil(async () => {
    const infos = await Promise.all(replicas.map((replica) => redis.infoReplication(replica).catch(() => undefined)));
    return infos.every((info) => info?.role === "slave" && info.masterLinkStatus === "up");
  }, timeoutMs);
}

/** A channel nobody listens on: publishing to it moves the primary's replication offset on, and no key. */
const STREAM_CHECK_CHANNEL = "__elasticache-local:stream-check";

/**
 * Resolves true once every replica is linked and really receives its primary's replication stream,
 * false after the timeout. After a diskless full sync, Redis 7.0 starts streaming to a replica on
 * its first REPLCONF ACK, and an ACK that arrives before the primary has reaped its transfer child
 * is ignored: the replica then says master_link_status:up but gets nothing until its next ACK, up
 * to a second later, and a primary that died in that second took every write since the sync with
 * it (CI, twice: all of a new group's first writes lost at its first failover). So the primary's
 * offset is moved on (PUBLISH is replicated, and touches no key) and each replica must reach it.
 * Cluster mode enabled does not replicate PUBLISH: use waitForReplicaLinks there.
 */
export async function waitForReplicasStreaming(redis: RedisAdmin, primary: ConnectionProfile, replicas: ConnectionProfile[], timeoutMs: number): Promise<boolean> {
  if (replicas.length === 0) return true;
  if (!(await waitForReplicaLinks(redis, replicas, timeoutMs))) return false;
  try {
    await redis.call(primary, "PUBLISH", STREAM_CHECK_CHANNEL, "1");
  } catch {
    return true; // a user without PUBLISH (RBAC): the links are all there is to go by
  }
  const target = (await redis.infoReplication(primary)).masterReplOffset;
  return pollUntil(async () => {
    const infos = await Promise.all(replicas.map((replica) => redis.infoReplication(replica).catch(() => undefined)));
    return infos.every((info) => info?.role === "slave" && info.masterLinkStatus === "up" && (info.slaveReplOffset ?? 0) >= target);
  }, timeoutMs);
}

/**
 * Resolves once the replica holds every write its primary had acknowledged at the time of the
 * call (link up, slave_repl_offset at least the primary's master_repl_offset then), false after
 * the timeout. A replica can lag or be re-syncing after a restart; a snapshot taken from it
 * must still hold what was written before the snapshot was asked for.
 */
export async function waitForReplicaCatchUp(redis: RedisAdmin, primary: ConnectionProfile, replica: ConnectionProfile, timeoutMs: number): Promise<boolean> {
  const target = (await redis.infoReplication(primary)).masterReplOffset;
  return pollUntil(async () => {
    const info = await redis.infoReplication(replica).catch(() => undefined);
    return info?.role === "slave" && info.masterLinkStatus === "up" && (info.slaveReplOffset ?? 0) >= target;
  }, timeoutMs);
}
