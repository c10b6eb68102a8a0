/**
 * Pointing replicas at their primary and waiting until they are in sync: the part of a
 * replication group that lives inside Redis rather than in the runtime.
 */
import type { RedisAdmin } from "../engines/redis-admin.ts";
import type { NodeHandle } from "../runtime/types.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes `primary` a primary and every replica a replica of it; only sends what differs. */
export async function configureReplication(redis: RedisAdmin, primary: NodeHandle, replicas: NodeHandle[]): Promise<void> {
  const primaryInfo = await redis.infoReplication(primary.adminAddress);
  if (primaryInfo.role !== "master") await redis.promote(primary.adminAddress);
  await Promise.all(
    replicas.map(async (replica) => {
      const info = await redis.infoReplication(replica.adminAddress);
      const following =
        info.role === "slave" && info.masterHost === primary.peerAddress.host && info.masterPort === primary.peerAddress.port;
      if (!following) await redis.replicaOf(replica.adminAddress, primary.peerAddress);
    }),
  );
}

/** Resolves true once every replica reports master_link_status:up, false after the timeout. */
export async function waitForReplicaLinks(redis: RedisAdmin, replicas: NodeHandle[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const infos = await Promise.all(replicas.map((replica) => redis.infoReplication(replica.adminAddress).catch(() => undefined)));
    if (infos.every((info) => info?.role === "slave" && info.masterLinkStatus === "up")) return true;
    if (Date.now() > deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}
