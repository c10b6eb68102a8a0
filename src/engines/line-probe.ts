/**
 * Health probes over one persistent connection per node (per connection profile): send a one-line
 * request, wait for one reply line (or, for a Redis bulk reply `$<n>`, its n bytes). The request
 * and the rule for its reply come from runtime/probe-protocol.ts, the table the runtime's readiness
 * wait uses too. Probing hundreds of nodes several times a second this way sets up no connections
 * and costs one small write and one read per probe (cheaper than a full client library). A failed
 * or timed-out probe drops the connection; the next probe reconnects.
 *
 * A profile with TLS connects over TLS (the node verified against the profile's CA); one with a
 * password authenticates right after connecting. A node that refuses the credentials still answers:
 * an authentication error (or a TLS alert) is "alive", because it is the node that says it.
 */
import net from "node:net";
import tls from "node:tls";
import { PROBE_PROTOCOLS, isTlsAlertFromPeer, type ProbeProtocol } from "../runtime/probe-protocol.ts";
import { addressOf, profileKey, tlsOptionsOf, type ConnectionProfile } from "./connection.ts";

export type { ProbeProtocol };

interface Connection {
  socket: net.Socket;
  ready: Promise<void>;
  buffer: string;
  waiting?: { resolve: (line: string) => void; reject: (error: Error) => void; until?: string };
}

export const REDIS_PING: ProbeProtocol = PROBE_PROTOCOLS.redis;
export const MEMCACHED_VERSION: ProbeProtocol = PROBE_PROTOCOLS.memcached;

export class LineProbe {
  private readonly connections = new Map<string, Connection>();

  constructor(
    private readonly protocol: ProbeProtocol,
    private readonly timeoutMs: number,
    /** Called when a node closes an established probe connection (a crashed node does so at once). */
    private readonly onClosed?: (profile: ConnectionProfile) => void,
  ) {}

  /**
   * Resolves when the node answers in time; rejects otherwise. An authentication refusal is an
   * answer, and so is a TLS alert from the node (a certificate it will not take).
   */
  async probe(profile: ConnectionProfile): Promise<void> {
    let line: string;
    try {
      line = await this.exchange(profile, this.protocol.request);
    } catch (error) {
      if (isTlsAlertFromPeer(error)) return;
      throw error;
    }
    if (!this.protocol.answers(line)) {
      this.release(profile);
      throw new Error(`unexpected reply from ${addressOf(profile)}: ${line}`);
    }
  }

  /** Sends one request line and returns the reply line, or the body of a bulk reply; rejects on an error reply. */
  async ask(profile: ConnectionProfile, request: string): Promise<string> {
    const reply = await this.exchange(profile, request);
    if (reply.startsWith("-")) throw new Error(`${addressOf(profile)} refused ${JSON.stringify(request.trim())}: ${reply}`);
    return reply;
  }

  /**
   * Sends one request and returns every line up to and including `terminator` (a multi-line reply:
   * Memcached's `stats` ends with "END\r\n"); rejects when the reply starts with an error line.
   */
  async askUntil(profile: ConnectionProfile, request: string, terminator: string): Promise<string> {
    const reply = await this.exchange(profile, request, terminator);
    if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR)/.test(reply)) throw new Error(`${addressOf(profile)} refused ${JSON.stringify(request.trim())}: ${reply.split("\r\n")[0]}`);
    return reply;
  }

  release(profile: ConnectionProfile): void {
    const key = profileKey(profile);
    const connection = this.connections.get(key);
    if (!connection) return;
    this.connections.delete(key);
    connection.socket.destroy();
  }

  close(): void {
    for (const connection of this.connections.values()) connection.socket.destroy();
    this.connections.clear();
  }

  private async exchange(profile: ConnectionProfile, request: string, until?: string): Promise<string> {
    const connection = this.connect(profile);
    try {
      await connection.ready;
      return await this.send(connection, profile, request, until);
    } catch (error) {
      this.release(profile);
      throw error;
    }
  }

  private send(connection: Connection, profile: ConnectionProfile, request: string, until?: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${addressOf(profile)} did not answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      connection.waiting = {
        resolve: (reply) => (clearTimeout(timer), resolve(reply)),
        reject: (error) => (clearTimeout(timer), reject(error)),
        until,
      };
      connection.socket.write(request);
    });
  }

  private connect(profile: ConnectionProfile): Connection {
    const key = profileKey(profile);
    const existing = this.connections.get(key);
    if (existing) return existing;
    const tlsOptions = tlsOptionsOf(profile);
    const socket = tlsOptions ? tls.connect({ host: profile.host, port: profile.port, ...tlsOptions }) : net.connect({ host: profile.host, port: profile.port });
    const connectedEvent = tlsOptions ? "secureConnect" : "connect";
    socket.setNoDelay(true);
    const connection: Connection = { socket, buffer: "", ready: Promise.resolve() };
    const connected = new Promise<void>((resolve, reject) => {
      socket.once(connectedEvent, resolve);
      socket.once("error", reject);
      setTimeout(() => reject(new Error(`connect to ${addressOf(profile)} timed out`)), this.timeoutMs).unref();
    });
    // With credentials, the connection is ready once AUTH is answered (whatever the answer: a
    // refused password still shows a live node, and the probe's own reply will say so).
    const auth = profile.password !== undefined ? this.protocol.auth?.(profile.username, profile.password) : undefined;
    connection.ready = auth ? connected.then(() => this.send(connection, profile, auth).then(() => undefined)) : connected;
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
    socket.once(connectedEvent, () => (established = true));
    socket.on("close", () => {
      connection.waiting?.reject(new Error(`${addressOf(profile)} closed the connection`));
      // Ours (release, close) removed it from the map first; anything else is the node's doing.
      if (this.connections.get(key) !== connection) return;
      this.connections.delete(key);
      if (established) this.onClosed?.(profile);
    });
    this.connections.set(key, connection);
    return connection;
  }
}

/**
 * One complete reply from the buffer: a line, a bulk reply's body, or (when the request asked for
 * one) everything up to a terminator or an error line; undefined while incomplete.
 */
function takeReply(connection: Connection): string | undefined {
  const until = connection.waiting?.until;
  if (until !== undefined) {
    const error = /^(ERROR|CLIENT_ERROR|SERVER_ERROR)[^\r]*\r\n/.exec(connection.buffer);
    const end = error ? error[0].length : connection.buffer.indexOf(until) < 0 ? -1 : connection.buffer.indexOf(until) + until.length;
    if (end < 0) return undefined;
    const reply = connection.buffer.slice(0, end);
    connection.buffer = connection.buffer.slice(end);
    return reply;
  }
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
