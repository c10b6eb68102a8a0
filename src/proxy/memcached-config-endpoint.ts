/**
 * The configuration endpoint of a Memcached cluster: answers ElastiCache Auto Discovery itself
 * (`config get cluster`, and `get AmazonElastiCache:cluster` for old clients) and passes every
 * other command to a node, as the real configuration endpoint (a CNAME to one node) would.
 *
 * Text protocol, line by line, because clients poll `config get cluster` on the same connection
 * they also use for ordinary commands:
 * - client → node: each command line is inspected; storage commands (set/add/replace/append/
 *   prepend/cas, meta `ms`) are followed by a data block of known length that is relayed untouched.
 *   Config commands are answered here; everything else goes to a per-connection node socket,
 *   opened on the first such command (config-only connections never touch a node).
 * - ordering: once a node socket exists, earlier commands may still be unanswered when a config
 *   command arrives, so its reply must wait. Instead of understanding every reply, the proxy
 *   sends the node a meta no-op (`mn`, answered `MN\r\n`) in place of the config command: the
 *   node answers in order, and when that `MN` comes back the config reply is emitted in its place.
 *   To find reply lines reliably, node output is split into lines, skipping the data blocks that
 *   follow `VALUE … <bytes>` (get) and `VA <size>` (meta get); a client's own `mn` is tracked in the
 *   same FIFO and passed through.
 * - binary protocol (first byte 0x80): the connection is relayed raw, there is no Auto Discovery.
 * Backpressure both ways (a full socket pauses the side that feeds it), half-close relayed, and
 * no 'error' ever escapes.
 */
import net from "node:net";
import { closeServer, listenOn } from "./listen.ts";
import type { Address } from "./address.ts";
import { type ClusterConfig, formatConfigReply, parseConfigCommand } from "./auto-discovery.ts";

export type { ClusterConfig, ClusterNode } from "./auto-discovery.ts";

export type ConfigEndpointEvent =
  | { type: "no-upstream" }
  | { type: "connect-failed"; upstream: Address; error: Error }
  | { type: "protocol-error"; message: string }
  | { type: "listener-error"; error: Error };

export interface MemcachedConfigEndpointOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Read on every config command, so changes show up at once. */
  getConfig: () => ClusterConfig;
  /** Node for a connection's other commands; default: round robin over getConfig().nodes (ip, else hostname). */
  pickUpstream?: () => Address | undefined;
  connectTimeoutMs?: number;
  onEvent?: (event: ConfigEndpointEvent) => void;
}

/** A command line longer than this is not memcached (keys are ≤ 250 bytes): close the connection. */
const MAX_LINE = 64 * 1024;
const LF = 0x0a;
const MN = Buffer.from("mn\r\n");
/** Storage commands and the index of their <bytes> token. */
const DATA_LENGTH_TOKEN: Record<string, number> = { set: 4, add: 4, replace: 4, append: 4, prepend: 4, cas: 4, ms: 2 };

export class MemcachedConfigEndpoint {
  private readonly server: net.Server;
  private readonly connections = new Set<ConfigConnection>();
  private bound: Address | undefined;
  private nextNode = 0;

  constructor(private readonly options: MemcachedConfigEndpointOptions) {
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      const connection = new ConfigConnection(socket, this);
      this.connections.add(connection);
      socket.once("close", () => this.connections.delete(connection));
    });
    this.server.on("error", (error) => this.emit({ type: "listener-error", error }));
  }

  get address(): Address | undefined {
    return this.bound;
  }

  async listen(): Promise<Address> {
    this.bound = await listenOn(this.server, this.options.host, this.options.port);
    return this.bound;
  }


  close(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    return closeServer(this.server);
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** @internal */
  config(): ClusterConfig {
    return this.options.getConfig();
  }

  /** @internal */
  pickUpstream(): Address | undefined {
    if (this.options.pickUpstream) return this.options.pickUpstream();
    const nodes = this.options.getConfig().nodes;
    if (nodes.length === 0) return undefined;
    const node = nodes[this.nextNode++ % nodes.length];
    return { host: node.ip || node.hostname, port: node.port };
  }

  /** @internal */
  get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? 5000;
  }

  /** @internal */
  emit(event: ConfigEndpointEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // logging must not break the endpoint
    }
  }
}

/** One client connection and, once needed, its node connection. */
class ConfigConnection {
  private mode: "detect" | "text" | "binary" = "detect";
  private upstream: net.Socket | undefined;
  /** Unparsed client bytes (an incomplete command line). */
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of the current client data block still to relay. */
  private dataLeft = 0;
  /** Unparsed node bytes (an incomplete reply line). */
  private replyPending: Buffer = Buffer.alloc(0);
  /** Bytes of the current node data block still to relay. */
  private replyDataLeft = 0;
  /** One entry per `mn` sent to the node, in order: a config reply to emit, or null for the client's own `mn`. */
  private readonly noops: Array<Buffer | null> = [];
  private ended = false;

  constructor(
    private readonly client: net.Socket,
    private readonly owner: MemcachedConfigEndpoint,
  ) {
    client.on("error", () => this.destroy());
    client.on("close", () => this.upstream?.destroy());
    client.on("data", (chunk: Buffer) => this.onClientData(chunk));
    client.on("end", () => {
      if (this.upstream) this.upstream.end();
      else this.client.end();
    });
    client.on("drain", () => this.flow());
  }

  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  private onClientData(chunk: Buffer): void {
    if (this.mode === "detect") this.mode = chunk[0] === 0x80 ? "binary" : "text";
    if (this.mode === "binary") {
      this.toUpstream(chunk);
    } else {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.parseCommands();
    }
    this.flow();
  }

  private parseCommands(): void {
    let buf = this.pending;
    let pos = 0;
    while (pos < buf.length && !this.ended) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, buf.length - pos);
        this.toUpstream(buf.subarray(pos, pos + n));
        this.dataLeft -= n;
        pos += n;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        if (buf.length - pos > MAX_LINE) {
          this.owner.emit({ type: "protocol-error", message: "command line too long" });
          this.destroy();
          return;
        }
        break;
      }
      const raw = buf.subarray(pos, lf + 1);
      pos = lf + 1;
      const line = raw.toString("latin1", 0, raw.length - (raw.length >= 2 && raw[raw.length - 2] === 0x0d ? 2 : 1));
      this.onCommand(line, raw);
    }
    buf = buf.subarray(pos);
    // keep a copy of a small leftover rather than pinning a large chunk
    this.pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }

  private onCommand(line: string, raw: Buffer): void {
    const command = parseConfigCommand(line);
    if (command) {
      let reply: Buffer;
      try {
        reply = formatConfigReply(command, this.owner.config());
      } catch (error) {
        reply = Buffer.from(`SERVER_ERROR ${(error as Error).message.replace(/[\r\n]/g, " ")}\r\n`);
      }
      if (!this.upstream) {
        this.client.write(reply);
      } else {
        // Answer in order with the node's replies: see the file comment.
        this.noops.push(reply);
        this.toUpstream(MN);
      }
      return;
    }
    const tokens = line.split(" ").filter((t) => t.length > 0);
    const name = tokens[0] ?? "";
    if (name === "quit" && !this.upstream) {
      this.ended = true;
      this.client.end();
      return;
    }
    if (name === "mn") this.noops.push(null);
    const lengthToken = DATA_LENGTH_TOKEN[name];
    if (lengthToken !== undefined) {
      const bytes = Number(tokens[lengthToken]);
      // An unparseable length is the node's to reject; like the node, expect no data block then.
      if (Number.isInteger(bytes) && bytes >= 0) this.dataLeft = bytes + 2;
    }
    this.toUpstream(raw);
  }

  private toUpstream(bytes: Buffer): void {
    if (this.ended) return;
    const upstream = this.upstream ?? this.connectUpstream();
    if (upstream) upstream.write(bytes);
  }

  private connectUpstream(): net.Socket | undefined {
    let target: Address | undefined;
    try {
      target = this.owner.pickUpstream();
    } catch {
      target = undefined;
    }
    if (!target) {
      this.owner.emit({ type: "no-upstream" });
      this.ended = true;
      this.client.end("SERVER_ERROR no cache node available\r\n");
      return undefined;
    }
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    this.upstream = upstream;
    const timeout = setTimeout(() => upstream.destroy(new Error("connect timed out")), this.owner.connectTimeoutMs);
    timeout.unref();
    upstream.once("connect", () => clearTimeout(timeout));
    upstream.on("error", (error) => {
      clearTimeout(timeout);
      if (upstream.connecting || !upstream.remoteAddress) this.owner.emit({ type: "connect-failed", upstream: target, error });
      this.destroy();
    });
    upstream.on("data", (chunk: Buffer) => this.onUpstreamData(chunk));
    upstream.on("end", () => this.client.end());
    upstream.on("close", (hadError) => {
      if (hadError) this.client.destroy();
    });
    upstream.on("drain", () => this.flow());
    return upstream;
  }

  private onUpstreamData(chunk: Buffer): void {
    if (this.mode === "binary") {
      this.client.write(chunk);
      this.flow();
      return;
    }
    const buf = this.replyPending.length === 0 ? chunk : Buffer.concat([this.replyPending, chunk]);
    let pos = 0;
    let from = 0; // start of the bytes not yet written to the client
    while (pos < buf.length) {
      if (this.replyDataLeft > 0) {
        const n = Math.min(this.replyDataLeft, buf.length - pos);
        this.replyDataLeft -= n;
        pos += n;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) break;
      const start = pos;
      pos = lf + 1;
      if (buf[start] === 0x56 /* V */) {
        const line = buf.toString("latin1", start, lf);
        const tokens = line.trim().split(" ");
        const size = tokens[0] === "VALUE" ? Number(tokens[3]) : tokens[0] === "VA" ? Number(tokens[1]) : NaN;
        if (Number.isInteger(size) && size >= 0) this.replyDataLeft = size + 2;
      } else if (lf - start === 3 && buf[start] === 0x4d /* M */ && buf[start + 1] === 0x4e /* N */ && buf[start + 2] === 0x0d) {
        const local = this.noops.shift();
        if (local) {
          if (start > from) this.client.write(buf.subarray(from, start));
          this.client.write(local);
          from = pos;
        }
      }
    }
    // Data-block bytes went at once (the loop ran to the end); an incomplete line waits, it might be our MN.
    if (pos > from) this.client.write(buf.subarray(from, pos));
    this.replyPending = pos < buf.length ? Buffer.from(buf.subarray(pos)) : Buffer.alloc(0);
    this.flow();
  }

  /** Pause whichever side feeds a full socket; resume when it drained. */
  private flow(): void {
    const clientFull = this.client.writableNeedDrain;
    const upstreamFull = this.upstream?.writableNeedDrain ?? false;
    if (clientFull || upstreamFull) this.client.pause();
    else if (!this.client.destroyed) this.client.resume();
    if (this.upstream) {
      if (clientFull) this.upstream.pause();
      else if (!this.upstream.destroyed) this.upstream.resume();
    }
  }
}
