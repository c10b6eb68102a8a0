/** Acknowledged writes of a ContinuousWriter that the group's primary no longer holds afterwards. */
import { Redis, type RedisOptions } from "ioredis";

export async function lostWrites(endpoint: { Address: string; Port: number }, prefix: string, acked: number[], secure: Pick<RedisOptions, "tls" | "password"> = {}): Promise<number> {
  if (acked.length === 0) return 0;
  const client = new Redis({ host: endpoint.Address, port: endpoint.Port, ...secure });
  try {
    const values = await client.mget(...acked.map((i) => `${prefix}${i}`));
    return values.filter((value) => value === null).length;
  } finally {
    client.disconnect();
  }
}
