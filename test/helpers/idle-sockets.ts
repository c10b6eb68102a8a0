/** Many idle client connections (they connect and send nothing) and a node's client count, for endpoint bookkeeping tests and benches. */
import net from "node:net";
import { Redis } from "ioredis";

/** `count` raw sockets to 127.0.0.1:`port`, opened 200 at a time, each connected. */
export async function openIdle(port: number, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let start = 0; start < count; start += 200) {
    const batch = Array.from({ length: Math.min(200, count - start) }, () => net.connect(port, "127.0.0.1"));
    sockets.push(...batch);
    await Promise.all(batch.map((socket) => new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject))));
  }
  for (const socket of sockets) socket.on("error", () => {});
  return sockets;
}

/** Destroys them and waits until each has closed. */
export async function closeAll(sockets: net.Socket[]): Promise<void> {
  await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once("close", resolve).destroy())));
}

/** How many clients a Redis node at 127.0.0.1:`port` has, not counting the one asking. */
export async function redisClientCount(port: number): Promise<number> {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 3 });
  client.on("error", () => {});
  try {
    await client.connect();
    return Number(/connected_clients:(\d+)/.exec(await client.info("clients"))![1]) - 1;
  } finally {
    client.disconnect();
  }
}
