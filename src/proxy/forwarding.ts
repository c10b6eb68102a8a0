/**
 * Moves bytes between an accepted client socket and its connected upstream socket, both ways,
 * and tears both down together. Two interchangeable engines (measurements: see tcp-endpoint.ts):
 *
 * - "fast": drives the libuv stream handles directly (`useUserBuffer` + `writeBuffer`), the way
 *   Node's own stream_base code does but without the Readable/Writable machinery on top. Each
 *   direction reads into ONE buffer (a small one until a read fills it, see FIRST_BUFFER_SIZE)
 *   and writes it straight to the other handle. A
 *   write that libuv finishes synchronously (the normal case on loopback) leaves nothing behind,
 *   so the buffer can be reused by the next read; a write that went asynchronous still points into
 *   the buffer, so reading from that side stops until the write completes. That is at once the
 *   backpressure and the guarantee that no byte is overwritten before it left. No allocation per
 *   chunk except the rare async WriteWrap.
 *   It uses `process.binding('stream_wrap')` (allow-listed, documentation-only deprecated), so it is
 *   feature-detected once and "auto" falls back to "portable" when anything is missing.
 * - "portable": public API only: 'data' events, `write()` returning false pauses the source until
 *   'drain'. Used when the fast path is unavailable and kept tested as the reference behaviour.
 *
 * An endpoint that routes by what a client sends first (TLS or plain, see tcp-endpoint.ts) reads
 * those first bytes with readFirstBytes() before it connects the upstream, and hands them to
 * forward() as `initial`: they are written to the upstream before anything else, and the rest of
 * the connection runs on the same engine as any other (the fast one reads them with the same raw
 * handle calls, so it never mixes with the stream machinery).
 *
 * Half-close, same in both engines: client EOF → end (FIN) the upstream and keep relaying its
 * replies until it closes (Redis/memcached answer what they already read, then close);
 * upstream EOF → flush and end the client, then destroy both. Any error or destroy of either side
 * destroys both. Errors are swallowed here and reported through `done(error)`: a proxy must never
 * raise an unhandled 'error' in the control plane's process.
 */
import type net from "node:net";

export type ForwardingEngine = "fast" | "portable";
export type ForwardingMode = ForwardingEngine | "auto";

/** libuv's UV_EOF; the same value on every platform libuv supports. */
const UV_EOF = -4095;

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

interface WriteReq {
  handle: unknown;
  oncomplete: (status: number) => void;
  async: boolean;
}

/** The parts of a TCPWrap handle the fast engine uses. */
interface StreamHandle {
  onread: (() => void) | null;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
}

function loadBinding(): StreamWrapBinding | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding("stream_wrap");
    if (
      typeof binding.WriteWrap === "function" &&
      binding.streamBaseState instanceof Int32Array &&
      typeof binding.kReadBytesOrError === "number" &&
      typeof binding.kLastWriteWasAsync === "number"
    ) {
      return binding as StreamWrapBinding;
    }
  } catch {
    // not available on this runtime (policy, future Node): portable engine
  }
  return undefined;
}

const binding = loadBinding();

function isStreamHandle(value: unknown): value is StreamHandle {
  const h = value as Partial<StreamHandle> | null;
  return (
    !!h &&
    typeof h.useUserBuffer === "function" &&
    typeof h.readStart === "function" &&
    typeof h.readStop === "function" &&
    typeof h.writeBuffer === "function" &&
    "onread" in h
  );
}

/** True when the fast engine can run on this Node.js. */
export const fastForwardingAvailable: boolean = binding !== undefined;

export function resolveEngine(mode: ForwardingMode = "auto"): ForwardingEngine {
  if (mode === "portable") return "portable";
  if (mode === "fast" && !fastForwardingAvailable) throw new Error("fast forwarding is not available on this Node.js");
  return fastForwardingAvailable ? "fast" : "portable";
}

export interface ForwardOptions {
  engine: ForwardingEngine;
  /** Fast engine: bytes read per syscall, one buffer per direction per connection. */
  bufferSize?: number;
  /** Bytes already read from the client (readFirstBytes), written to the upstream first. */
  initial?: Buffer;
  /** Running totals this connection adds to (an endpoint's traffic, for its metrics). */
  traffic?: Traffic;
}

/** Bytes an endpoint moved: from clients to nodes (in) and back (out). */
export interface Traffic {
  bytesIn: number;
  bytesOut: number;
}

/** Fast engine: bytes read per syscall by default, once a direction has carried a full small buffer. */
export const DEFAULT_BUFFER_SIZE = 16 * 1024;

/**
 * Fast engine: what each direction reads into first. Most connections of a pool are idle or
 * carry small commands and replies, so each starts small (2,000 idle clients held 62 MiB of
 * 16 KiB buffers, bench/proxy/endpoint-memory.ts) and a direction moves to `bufferSize` with its
 * first read that fills the small buffer. Small enough for Node's shared allocation pool.
 */
export const FIRST_BUFFER_SIZE = 1024;

const handleOf = (socket: net.Socket): unknown => (socket as unknown as { _handle: unknown })._handle;

/**
 * Reads the first bytes a client sends, before any upstream is chosen. The socket must not be
 * reading yet (accepted with `pauseOnConnect`); afterwards it is not reading again, and the bytes
 * must go to forward() as `initial`. Resolves with undefined when the client leaves first.
 * With the fast engine the bytes are read the way relayFast reads (raw handle, own buffer), so
 * nothing is left behind in the socket's Readable buffer that relayFast would skip.
 */
export function readFirstBytes(client: net.Socket, engine: ForwardingEngine, bufferSize = DEFAULT_BUFFER_SIZE): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (bytes: Buffer | undefined) => {
      if (settled) return;
      settled = true;
      client.off("close", onClose);
      resolve(bytes);
    };
    const onClose = () => settle(undefined);
    client.on("close", onClose);
    const handle = handleOf(client);
    if (engine === "fast" && binding && isStreamHandle(handle)) {
      const state = binding.streamBaseState;
      // Idle clients may wait here long: a small buffer (what else they sent is read by relayFast).
      const buffer = Buffer.allocUnsafe(Math.min(bufferSize, FIRST_BUFFER_SIZE));
      handle.useUserBuffer(buffer);
      handle.onread = () => {
        const n = state[binding.kReadBytesOrError]!;
        if (n === 0) return; // nothing yet (EAGAIN): keep waiting
        handle.readStop();
        handle.onread = () => {}; // a function it must be (a native check), even while not reading
        if (n > 0) return settle(buffer.subarray(0, n));
        client.destroy();
        settle(undefined);
      };
      if (handle.readStart() !== 0) {
        client.destroy();
        settle(undefined);
      }
      return;
    }
    const onData = (chunk: Buffer) => {
      client.pause();
      client.off("data", onData);
      client.off("end", onEnd);
      settle(chunk);
    };
    const onEnd = () => {
      client.destroy();
      settle(undefined);
    };
    client.on("data", onData);
    client.once("end", onEnd);
    client.resume();
  });
}

/**
 * Starts relaying between `client` and `upstream`. Both must be connected and not yet reading:
 * the client accepted with `pauseOnConnect: true`, the upstream `pause()`d before it connected.
 * `done` is called exactly once, after both sockets are being destroyed.
 */
export function forward(client: net.Socket, upstream: net.Socket, options: ForwardOptions, done: (error?: Error) => void): void {
  let finished = false;
  let upstreamEnded = false;
  const teardown = (error?: Error) => {
    if (finished) return;
    finished = true;
    client.destroy();
    upstream.destroy();
    done(error);
  };
  const onUpstreamEof = () => {
    upstreamEnded = true;
    // Flush what is still queued for the client, send FIN, then drop both.
    client.end(() => teardown());
  };
  const onClientEof = () => {
    upstream.end();
  };
  client.on("error", teardown);
  upstream.on("error", teardown);
  client.on("close", () => teardown());
  // After upstream EOF the client's end() callback tears down; a graceful upstream close must not
  // cut the client's pending flush short.
  upstream.on("close", () => {
    if (!upstreamEnded) teardown();
  });

  if (options.engine === "fast" && binding) {
    const clientHandle = handleOf(client);
    const upstreamHandle = handleOf(upstream);
    if (isStreamHandle(clientHandle) && isStreamHandle(upstreamHandle)) {
      const size = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
      const fail = (status: number) => teardown(new Error(`socket error ${status}`));
      const isDone = () => finished;
      const traffic = options.traffic;
      if (traffic && options.initial) traffic.bytesIn += options.initial.length;
      relayFast(binding, clientHandle, upstreamHandle, upstream, size, onClientEof, fail, isDone, options.initial, traffic && ((n) => (traffic.bytesIn += n)));
      relayFast(binding, upstreamHandle, clientHandle, client, size, onUpstreamEof, fail, isDone, undefined, traffic && ((n) => (traffic.bytesOut += n)));
      return;
    }
    // The fast engine's readFirstBytes left the client's handle in its own hands: no way back.
    if (options.initial) return teardown(new Error("fast forwarding became unavailable after the first bytes were read"));
  }
  if (options.initial) upstream.write(options.initial);
  const traffic = options.traffic;
  if (traffic && options.initial) traffic.bytesIn += options.initial.length;
  relayPortable(client, upstream, traffic && ((n) => (traffic.bytesIn += n)));
  relayPortable(upstream, client, traffic && ((n) => (traffic.bytesOut += n)));
  client.on("end", onClientEof);
  upstream.on("end", onUpstreamEof);
  // The client's FIN may have come (and 'end' gone) while readFirstBytes' caller chose the upstream.
  if (client.readableEnded) onClientEof();
  client.resume();
  upstream.resume();
}

/** One direction of the fast engine: `src` handle → `dst` handle. */
function relayFast(
  b: StreamWrapBinding,
  src: StreamHandle,
  dst: StreamHandle,
  dstSocket: net.Socket,
  size: number,
  onEof: () => void,
  fail: (status: number) => void,
  isDone: () => boolean,
  initial?: Uint8Array,
  /** Told how many bytes each read brought (an endpoint's traffic: one addition per read). */
  counted?: (bytes: number) => void,
): void {
  const state = b.streamBaseState;
  const kRead = b.kReadBytesOrError;
  const kAsync = b.kLastWriteWasAsync;
  let buffer = Buffer.allocUnsafe(Math.min(size, FIRST_BUFFER_SIZE));
  const afterAsyncWrite = (status: number) => {
    if (isDone()) return;
    if (status < 0) return fail(status);
    src.readStart();
  };
  const newRequest = (): WriteReq => {
    const req = new b.WriteWrap();
    req.handle = dst;
    req.oncomplete = afterAsyncWrite;
    req.async = false;
    return req;
  };
  // A request object is only touched by C++ when a write goes asynchronous, so one object serves
  // every synchronous write; after an async write it belongs to that write and a new one is made.
  let req = newRequest();
  src.useUserBuffer(buffer);
  src.onread = () => {
    const n = state[kRead];
    if (n > 0) {
      if (isDone() || dstSocket.destroyed) return;
      counted?.(n);
      const err = dst.writeBuffer(req, n === buffer.length ? buffer : buffer.subarray(0, n));
      if (err !== 0) return fail(err);
      if (state[kAsync] !== 0) {
        // Bytes still point into `buffer`: stop reading until they are gone (see file comment).
        req = newRequest();
        src.readStop();
      } else if (n === buffer.length && n < size) {
        // The small first buffer filled up: this direction carries more, so it gets the full
        // size. The write above finished, so nothing points into the small one any more.
        buffer = Buffer.allocUnsafe(size);
        src.useUserBuffer(buffer);
      }
    } else if (n < 0) {
      if (isDone()) return;
      if (n === UV_EOF) onEof();
      else fail(n);
    }
  };
  if (initial && initial.length > 0) {
    // Written like a chunk just read; it lives in readFirstBytes' buffer, not in `buffer`.
    const err = dst.writeBuffer(req, initial);
    if (err !== 0) return fail(err);
    if (state[kAsync] !== 0) {
      req = newRequest();
      return; // afterAsyncWrite starts reading
    }
  }
  const err = src.readStart();
  if (err !== 0) fail(err);
}

/** One direction of the portable engine, with write backpressure. */
function relayPortable(src: net.Socket, dst: net.Socket, counted?: (bytes: number) => void): void {
  src.on("data", (chunk: Buffer) => {
    counted?.(chunk.length);
    if (!dst.write(chunk)) src.pause();
  });
  dst.on("drain", () => src.resume());
}
