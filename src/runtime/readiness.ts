/**
 * Readiness probes over raw TCP or TLS (no client library), with the request/reply rule of
 * probe-protocol.ts: Redis/Valkey answer "PING" with "+PONG" (or an authentication refusal),
 * memcached answers "version" with "VERSION x.y.z". A bare TCP accept is not enough: Docker's
 * userland proxy accepts on the published port before the engine listens.
 */
import net from "node:net";
import tls from "node:tls";
import { RuntimeError } from "./errors.ts";
import { PROBE_PROTOCOLS, isTlsAlertFromPeer } from "./probe-protocol.ts";
import type { Address, EngineKind } from "./types.ts";

export interface ProbeOptions {
  /**
   * The port speaks TLS only. The probe checks that the engine answers, not who it is, so the
   * certificate is not verified and none is presented; a TLS alert from the engine counts as an answer.
   */
  tls?: boolean;
}

/** One probe; resolves true when the engine answered as a ready server, false otherwise (never rejects). */
export function probeOnce(addr: Address, engine: EngineKind, timeoutMs = 1000, options: ProbeOptions = {}): Promise<boolean> {
  const protocol = PROBE_PROTOCOLS[engine];
  return new Promise((resolve) => {
    let buf = "";
    let done = false;
    const socket = options.tls
      ? tls.connect({ host: addr.host, port: addr.port, rejectUnauthorized: false })
      : net.connect({ host: addr.host, port: addr.port });
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setNoDelay(true);
    socket.once(options.tls ? "secureConnect" : "connect", () => socket.write(protocol.request));
    socket.on("data", (chunk) => {
      buf += chunk.toString("latin1");
      const eol = buf.indexOf("\r\n");
      if (eol >= 0) finish(protocol.answers(buf.slice(0, eol)));
    });
    socket.once("error", (error) => finish(isTlsAlertFromPeer(error)));
    socket.once("close", () => finish(false));
  });
}

export interface WaitReadyOptions extends ProbeOptions {
  timeoutMs: number;
  /** Pause between failed probes. */
  intervalMs?: number;
  /** Called every `checkEveryMs` while waiting; throw from it to abort (e.g. the process exited). */
  check?: () => void | Promise<void>;
  checkEveryMs?: number;
  /** Used in the timeout message. */
  what?: string;
}

/** Polls until the engine answers; returns the time it took in ms. Throws RuntimeError("StartTimeout"). */
export async function waitUntilReady(addr: Address, engine: EngineKind, opts: WaitReadyOptions): Promise<number> {
  const started = performance.now();
  const deadline = started + opts.timeoutMs;
  const interval = opts.intervalMs ?? 5;
  const checkEvery = opts.checkEveryMs ?? 100;
  let lastCheck = started;
  for (;;) {
    const now = performance.now();
    const remaining = deadline - now;
    if (await probeOnce(addr, engine, Math.max(50, Math.min(1000, remaining)), opts)) return performance.now() - started;
    if (opts.check && performance.now() - lastCheck >= checkEvery) {
      lastCheck = performance.now();
      await opts.check();
    }
    if (performance.now() + interval >= deadline) break;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new RuntimeError(
    "StartTimeout",
    `${opts.what ?? `${engine} node`} did not accept connections on ${addr.host}:${addr.port} within ${opts.timeoutMs} ms`,
  );
}
