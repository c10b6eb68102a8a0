/**
 * Readiness probes over raw TCP (no client library): Redis/Valkey answer "PING" with "+PONG",
 * memcached answers "version" with "VERSION x.y.z". A bare TCP accept is not enough: Docker's
 * userland proxy accepts on the published port before the engine listens.
 */
import net from "node:net";
import { RuntimeError } from "./errors.ts";
import type { Address, EngineKind } from "./types.ts";

/** One probe; resolves true when the engine answered as a ready server, false otherwise (never rejects). */
export function probeOnce(addr: Address, engine: EngineKind, timeoutMs = 1000): Promise<boolean> {
  const request = engine === "memcached" ? "version\r\n" : "PING\r\n";
  return new Promise((resolve) => {
    let buf = "";
    let done = false;
    const socket = net.connect({ host: addr.host, port: addr.port });
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write(request));
    socket.on("data", (chunk) => {
      buf += chunk.toString("latin1");
      const eol = buf.indexOf("\r\n");
      if (eol < 0) return;
      const line = buf.slice(0, eol);
      // -NOAUTH / -ERR ... AUTH: up and serving, just protected. -LOADING: not ready yet.
      finish(engine === "memcached" ? line.startsWith("VERSION ") : line === "+PONG" || /^-NOAUTH/.test(line));
    });
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}

export interface WaitReadyOptions {
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
    if (await probeOnce(addr, engine, Math.max(50, Math.min(1000, remaining)))) return performance.now() - started;
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
