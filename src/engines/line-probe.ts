/**
 * Health probes over one persistent connection per node: send a one-line request, wait for one
 * reply line (or, for a Redis bulk reply `$<n>`, its n bytes). Redis/Valkey answer `PING` with
 * `+PONG` and `INFO replication` with a bulk reply; Memcached answers `version` with `VERSION x`. Probing hundreds of nodes several times a second this way sets up no connections
 * and costs one small write and one read per probe (cheaper than a full client library). A failed
 * or timed-out probe drops the connection; the next probe reconnects.
 */
import net from "node:net";
import type { Address } from "../runtime/types.ts";

interface Connection {
  socket: net.Socket;
  ready: Promise<void>;
  buffer: string;
  waiting?: { resolve: (line: string) => void; reject: (error: Error) => void };
}

export interface ProbeProtocol {
  request: string;
  /** True when the reply line says the node serves requests. */
  healthy(line: string): boolean;
}

export const REDIS_PING: ProbeProtocol = { request: "PING\r\n", healthy: (line) => line === "+PONG" };
export const MEMCACHED_VERSION: ProbeProtocol = { request: "version\r\n", healthy: (line) => line.startsWith("VERSION ") };

const key = (addr: Address) => `${addr.host}:${addr.port}`;

export class LineProbe {
  private readonly connections = new Map<string, Connection>();

  constructor(
    private readonly protocol: ProbeProtocol,
    private readonly timeoutMs: number,
    /** Called when a node closes an established probe connection (a crashed node does so at once). */
    private readonly onClosed?: (addr: Address) => void,
  ) {}

  /** Resolves when the node answers healthily in time; rejects otherwise. */
  async probe(addr: Address): Promise<void> {
    const line = await this.ask(addr, this.protocol.request);
    if (!this.protocol.healthy(line)) {
      this.release(addr);
      throw new Error(`unexpected reply from ${key(addr)}: ${line}`);
    }
  }

  /** Sends one request line and returns the reply line, or the body of a bulk reply. */
  async ask(addr: Address, request: string): Promise<string> {
    const connection = this.connect(addr);
    try {
      await connection.ready;
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${key(addr)} did not answer in ${this.timeoutMs} ms`)), this.timeoutMs);
        connection.waiting = {
          resolve: (reply) => (clearTimeout(timer), resolve(reply)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        connection.socket.write(request);
      });
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
        setTimeout(() => reject(new Error(`connect to ${key(addr)} timed out`)), this.timeoutMs).unref();
      }),
    };
    connection.ready.catch(() => undefined);
    socket.on("data", (chunk) => {
      connection.buffer += chunk.toString("latin1");
      const reply = takeReply(connection);
      if (reply === undefined) return;
      const waiting = connection.waiting;
      connection.waiting = undefined;
      waiting?.resolve(reply);
    });
    socket.on("error", (error) => connection.waiting?.reject(error));
    let established = false;
    socket.once("connect", () => (established = true));
    socket.on("close", () => {
      connection.waiting?.reject(new Error(`${key(addr)} closed the connection`));
      // Ours (release, close) removed it from the map first; anything else is the node's doing.
      if (this.connections.get(key(addr)) !== connection) return;
      this.connections.delete(key(addr));
      if (established) this.onClosed?.(addr);
    });
    this.connections.set(key(addr), connection);
    return connection;
  }
}

/** One complete reply from the buffer: a line, or a bulk reply's body; undefined while incomplete. */
function takeReply(connection: Connection): string | undefined {
  const end = connection.buffer.indexOf("\r\n");
  if (end < 0) return undefined;
  const line = connection.buffer.slice(0, end);
  if (line.startsWith("$") && line !== "$-1") {
    const length = Number(line.slice(1));
    if (connection.buffer.length < end + 2 + length + 2) return undefined;
    const body = connection.buffer.slice(end + 2, end + 2 + length);
    connection.buffer = connection.buffer.slice(end + 2 + length + 2);
    return body;
  }
  connection.buffer = connection.buffer.slice(end + 2);
  return line;
}
