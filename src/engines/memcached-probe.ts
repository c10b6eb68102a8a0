/**
 * Health probes for Memcached over one persistent connection per node: `version\r\n` and its
 * one-line reply, so probing hundreds of nodes several times a second sets up no connections.
 * A failed or timed-out probe drops the connection; the next probe reconnects.
 */
import net from "node:net";
import type { Address } from "../runtime/types.ts";

interface Connection {
  socket: net.Socket;
  ready: Promise<void>;
  buffer: string;
  waiting?: { resolve: (line: string) => void; reject: (error: Error) => void };
}

const key = (addr: Address) => `${addr.host}:${addr.port}`;

export class MemcachedProbe {
  private readonly connections = new Map<string, Connection>();

  constructor(private readonly timeoutMs: number) {}

  /** Resolves with the server version; rejects when the node does not answer in time. */
  async version(addr: Address): Promise<string> {
    const connection = this.connect(addr);
    try {
      await connection.ready;
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`memcached ${key(addr)} did not answer in ${this.timeoutMs} ms`)), this.timeoutMs);
        connection.waiting = {
          resolve: (reply) => (clearTimeout(timer), resolve(reply)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        connection.socket.write("version\r\n");
      });
      if (!line.startsWith("VERSION ")) throw new Error(`unexpected reply from memcached ${key(addr)}: ${line}`);
      return line.slice("VERSION ".length);
    } catch (error) {
      this.release(addr);
      throw error;
    }
  }

  release(addr: Address): void {
    const connection = this.connections.get(key(addr));
    if (!connection) return;
    this.connections.delete(key(addr));
    connection.socket.destroy();
  }

  close(): void {
    for (const connection of this.connections.values()) connection.socket.destroy();
    this.connections.clear();
  }

  private connect(addr: Address): Connection {
    const existing = this.connections.get(key(addr));
    if (existing) return existing;
    const socket = net.connect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    const connection: Connection = {
      socket,
      buffer: "",
      ready: new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
        setTimeout(() => reject(new Error(`connect to memcached ${key(addr)} timed out`)), this.timeoutMs).unref();
      }),
    };
    connection.ready.catch(() => undefined);
    socket.on("data", (chunk) => {
      connection.buffer += chunk.toString("latin1");
      const end = connection.buffer.indexOf("\r\n");
      if (end < 0) return;
      const line = connection.buffer.slice(0, end);
      connection.buffer = connection.buffer.slice(end + 2);
      const waiting = connection.waiting;
      connection.waiting = undefined;
      waiting?.resolve(line);
    });
    socket.on("error", (error) => connection.waiting?.reject(error));
    socket.on("close", () => {
      connection.waiting?.reject(new Error(`memcached ${key(addr)} closed the connection`));
      if (this.connections.get(key(addr)) === connection) this.connections.delete(key(addr));
    });
    this.connections.set(key(addr), connection);
    return connection;
  }
}
