/** What the snapshot tests share: waiting for a snapshot's status, and reading a key's value whatever its type. */
import type { Cluster, Redis } from "ioredis";
import { eventually } from "./eventually.ts";
import type { NodeServer } from "./nodes.ts";

/** The snapshot once it has `status` (REST); a failed snapshot fails the wait at once. */
export async function waitSnapshot(target: NodeServer, name: string, status = "available"): Promise<any> {
  return eventually(
    async () => {
      const { Snapshot: snapshot } = await target.api.ok("GET", `/v1/snapshots/${name}`);
      if (snapshot?.SnapshotStatus === "failed") throw new Error(`snapshot ${name} failed`);
      return snapshot?.SnapshotStatus === status ? snapshot : undefined;
    },
    60_000,
    `snapshot ${name} ${status}`,
  );
}

/** A key's value as comparable data, by its type (sets sorted). */
export async function valueOf(client: Redis | Cluster, key: string, type: string): Promise<unknown> {
  return type === "string" ? client.get(key)
    : type === "hash" ? client.hgetall(key)
    : type === "list" ? client.lrange(key, 0, -1)
    : type === "set" ? ((await client.smembers(key)) as string[]).sort()
    : type === "zset" ? client.zrange(key, 0, -1, "WITHSCORES")
    : type === "stream" ? client.xrange(key, "-", "+")
    : "?";
}
