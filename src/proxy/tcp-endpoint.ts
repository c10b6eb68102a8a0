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
 */
import net from "node:net";
import { closeServer, listenOn } from "./listen.ts";
import { type Address, formatAddress, sameAddress } from "./address.ts";
import { forward, type ForwardingEngine, type ForwardingMode, resolveEngine } from "./forwarding.ts";

export type { Address } from "./address.ts";

export type EndpointEvent =
  | { type: "no-upstream"; remote?: string }
  | { type: "connect-failed"; upstream: Address; error: Error }
  | { type: "connection-error"; upstream: Address; error: Error }
  | { type: "listener-error"; error: Error };

export interface TcpEndpointOptions {
  host: string;
  /** 0 picks a free port; `listen()` reports the actual one. */
  port: number;
  /** Called once per new client connection; undefined closes that connection at once. */
  pick: () => Address | undefined;
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
  private readonly engine: ForwardingEngine;
  private bound: Address | undefined;
  private closing = false;

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

  connectionCount(upstream?: Address): number {
    if (!upstream) return this.connections.size;
    let count = 0;
    for (const connection of this.connections) if (sameAddress(connection.target, upstream)) count++;
    return count;
  }

  private accept(client: net.Socket): void {
    // Until forward() installs its handlers, an error on the client must not go unhandled.
    client.on("error", () => client.destroy());
    let target: Address | undefined;
    try {
      target = this.closing ? undefined : this.options.pick();
    } catch {
      target = undefined;
    }
    if (!target) {
      this.emit({ type: "no-upstream", remote: client.remoteAddress });
      client.destroy();
      return;
    }
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
      forward(client, upstream, { engine: this.engine, bufferSize: this.options.bufferSize }, (error) => {
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
