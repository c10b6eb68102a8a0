/**
 * TcpEndpoint: a stable TCP address that forwards each client connection to the upstream node
 * chosen, per connection, by `pick()`. The primary and reader endpoints of a node group are built
 * on it; node endpoints (ReadEndpoint, CacheNodes[].Endpoint) are not proxied, clients reach nodes
 * directly, and the Memcached configuration endpoint answers itself (memcached-config-endpoint.ts).
 *
 * Forwarding drives the libuv handles directly (forwarding.ts: one buffer per direction, reads
 * stop while a write is asynchronous) because in Node the per-chunk cost is the stream machinery,
 * not the syscalls: measured here it spends about 20-30 % less CPU per request than
 * `socket.pipe()`; a portable engine on the public API is the fallback. bench/proxy/
 * endpoint-throughput.ts measures both against direct connections and HAProxy, and records the
 * figures and the reasons behind the remaining choices (in-process rather than a worker thread,
 * one listener per endpoint). Also: `noDelay` on both sockets (request/response traffic),
 * `pauseOnConnect` so nothing is read before the upstream is connected, `allowHalfOpen` with
 * explicit half-close relaying.
 *
 * Never emits 'error': listener, client and upstream errors are reported to `onEvent` and the
 * affected connection is closed.
 *
 * Transit encryption (`transit`): TLS is never terminated here; it passes end to end to a node's
 * TLS port. With "preferred" or "required" the endpoint knows two upstreams per target (plain and
 * TLS) and routes each client connection by its first byte, which for TLS is always 0x16 (a
 * handshake record: the ClientHello) and for Redis and Memcached never is (RESP starts with `*` or
 * a command name; Memcached's binary protocol with 0x80). "preferred" forwards both kinds,
 * "required" closes plain connections without forwarding a byte. Only that first read goes
 * through the peek; the rest of the connection runs on the same forwarding engine, and "off" (the
 * default) reads nothing before connecting (bench/proxy/endpoint-throughput.ts measures both).
 */
import net from "node:net";
import { closeServer, listenOn } from "./listen.ts";
import { type Address, formatAddress, sameAddress } from "./address.ts";
import { forward, type ForwardingEngine, type ForwardingMode, readFirstBytes, resolveEngine, type Traffic } from "./forwarding.ts";

export type { Address } from "./address.ts";

/** What a client connection speaks, told from its first byte. */
export type Transport = "plain" | "tls";

/**
 * "off": bytes pass as they come (TLS too, to whatever the upstream is); "preferred": plain and TLS
 * clients each go to the upstream of their kind; "required": only TLS clients are forwarded.
 */
export type TransitMode = "off" | "preferred" | "required";

/** A TLS ClientHello arrives in a handshake record, content type 22. */
const TLS_HANDSHAKE = 0x16;

export type EndpointEvent =
  | { type: "no-upstream"; remote?: string; transport?: Transport }
  | { type: "plain-refused"; remote?: string }
  | { type: "connect-failed"; upstream: Address; error: Error }
  | { type: "connection-error"; upstream: Address; error: Error }
  | { type: "listener-error"; error: Error };

export interface TcpEndpointOptions {
  host: string;
  /** 0 picks a free port; `listen()` reports the actual one. */
  port: number;
  /**
   * Called once per client connection with what it speaks (`transit` "preferred" or "required":
   * after its first bytes; "off": at once, without `transport`); undefined closes it.
   */
  pick: (transport?: Transport) => Address | undefined;
  /** Default "off". */
  transit?: TransitMode;
  /** Give up on an upstream that does not accept within this time (default 5000 ms). */
  connectTimeoutMs?: number;
  /** "auto" (default) uses the fast engine when this Node.js supports it. */
  forwarding?: ForwardingMode;
  /** Fast engine read buffer per direction per connection (default 16 KiB). */
  bufferSize?: number;
  /** Logging hook; must not throw. */
  onEvent?: (event: EndpointEvent) => void;
}

interface Connection {
  client: net.Socket;
  upstream: net.Socket;
  target: Address;
}

export class TcpEndpoint {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  /** Clients whose first bytes are awaited (transit "preferred"/"required"). */
  private readonly waiting = new Set<net.Socket>();
  private readonly engine: ForwardingEngine;
  private bound: Address | undefined;
  private closing = false;
  /** Bytes moved through this endpoint since it started, both ways (its metrics). */
  readonly traffic: Traffic = { bytesIn: 0, bytesOut: 0 };

  constructor(private readonly options: TcpEndpointOptions) {
    this.engine = resolveEngine(options.forwarding);
    this.server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
    this.server.on("error", (error) => this.emit({ type: "listener-error", error }));
  }

  /** Which forwarding engine this endpoint runs ("fast" or "portable"). */
  get forwardingEngine(): ForwardingEngine {
    return this.engine;
  }

  /** The bound address, once listening. */
  get address(): Address | undefined {
    return this.bound;
  }

  async listen(): Promise<Address> {
    this.bound = await listenOn(this.server, this.options.host, this.options.port);
    return this.bound;
  }


  /** Stops listening and destroys every proxied connection. */
  close(): Promise<void> {
    this.closing = true;
    for (const client of this.waiting) client.destroy();
    this.waiting.clear();
    this.closeConnectionsTo();
    return closeServer(this.server);
  }

  /**
   * Destroys the client connections currently proxied to `upstream` (all when omitted), so that
   * their clients reconnect and get a fresh pick, e.g. the new primary after a failover.
   * Returns how many were closed.
   */
  closeConnectionsTo(upstream?: Address): number {
    let closed = 0;
    for (const connection of [...this.connections]) {
      if (upstream && !sameAddress(connection.target, upstream)) continue;
      this.connections.delete(connection);
      connection.client.destroy();
      connection.upstream.destroy();
      closed++;
    }
    return closed;
  }

  /**
   * What the endpoint holds per client, for leak checks: proxied connections, clients whose first
   * bytes are awaited, and sockets the listener still counts. All 0 once every client has gone.
   */
  async tracked(): Promise<{ connections: number; waiting: number; sockets: number }> {
    const sockets = await new Promise<number>((resolve, reject) => this.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    return { connections: this.connections.size, waiting: this.waiting.size, sockets };
  }

  connectionCount(upstream?: Address): number {
    if (!upstream) return this.connections.size;
    let count = 0;
    for (const connection of this.connections) if (sameAddress(connection.target, upstream)) count++;
    return count;
  }

  private accept(client: net.Socket): void {
    // Until forward() installs its handlers, an error on the client must not go unhandled.
    client.on("error", () => client.destroy());
    const transit = this.options.transit ?? "off";
    if (transit === "off") return this.connect(client, this.choose(client, undefined));
    this.waiting.add(client);
    void readFirstBytes(client, this.engine, this.options.bufferSize).then((first) => {
      this.waiting.delete(client);
      if (!first || client.destroyed) return;
      const transport: Transport = first[0] === TLS_HANDSHAKE ? "tls" : "plain";
      if (transport === "plain" && transit === "required") {
        this.emit({ type: "plain-refused", remote: client.remoteAddress });
        client.destroy();
        return;
      }
      this.connect(client, this.choose(client, transport), first);
    });
  }

  /** The upstream for a new client, or undefined (then the client is closed and reported). */
  private choose(client: net.Socket, transport: Transport | undefined): Address | undefined {
    let target: Address | undefined;
    try {
      target = this.closing ? undefined : this.options.pick(transport);
    } catch {
      target = undefined;
    }
    if (!target) {
      this.emit({ type: "no-upstream", remote: client.remoteAddress, ...(transport && { transport }) });
      client.destroy();
    }
    return target;
  }

  private connect(client: net.Socket, target: Address | undefined, initial?: Buffer): void {
    if (!target) return;
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    upstream.pause(); // the engine starts reading itself, once connected
    const connection: Connection = { client, upstream, target };
    this.connections.add(connection);
    const timeout = setTimeout(() => upstream.destroy(new Error(`connect to ${formatAddress(target)} timed out`)), this.options.connectTimeoutMs ?? 5000);
    timeout.unref();
    const onConnectError = (error: Error) => {
      clearTimeout(timeout);
      this.connections.delete(connection);
      this.emit({ type: "connect-failed", upstream: target, error });
      client.destroy();
      upstream.destroy();
    };
    upstream.once("error", onConnectError);
    client.once("close", () => {
      // client left (or was closed by closeConnectionsTo) while the upstream was still connecting
      if (upstream.connecting) {
        clearTimeout(timeout);
        this.connections.delete(connection);
        upstream.destroy();
      }
    });
    upstream.once("connect", () => {
      clearTimeout(timeout);
      upstream.off("error", onConnectError);
      if (client.destroyed || !this.connections.has(connection)) {
        upstream.destroy();
        return;
      }
      forward(client, upstream, { engine: this.engine, bufferSize: this.options.bufferSize, initial, traffic: this.traffic }, (error) => {
        this.connections.delete(connection);
        if (error && !isDisconnect(error)) this.emit({ type: "connection-error", upstream: target, error });
      });
    });
  }

  private emit(event: EndpointEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // a logging hook must not take the proxy down
    }
  }
}

/** Resets and broken pipes are how peers normally go away; not worth an event. */
function isDisconnect(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ECONNRESET" || code === "EPIPE" || /socket error -(104|32)\b/.test(error.message);
}
