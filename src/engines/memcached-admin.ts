/**
 * Memcached admin over a raw TCP socket and the text protocol: `version` (liveness) and `stats`.
 * One short-lived connection per call: memcached accepts connections cheaply.
 */
import net from "node:net";
import type { Address } from "../runtime/types.ts";

/** "VERSION 1.6.18\r\n" -> "1.6.18"; undefined while the line is incomplete. Throws on an error reply. */
export function parseVersionReply(text: string): string | undefined {
  const eol = text.indexOf("\r\n");
  if (eol < 0) return undefined;
  const line = text.slice(0, eol);
  const m = /^VERSION (\S+)$/.exec(line);
  if (!m) throw new Error(`Unexpected memcached reply to "version": ${JSON.stringify(line)}`);
  return m[1];
}

/** "STAT pid 1\r\n...END\r\n" -> { pid: "1", ... }; undefined until END arrives. Throws on an error reply. */
export function parseStatsReply(text: string): Record<string, string> | undefined {
  if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR)/.test(text)) {
    throw new Error(`memcached error: ${text.split("\r\n")[0]}`);
  }
  if (!text.endsWith("END\r\n")) return undefined;
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    if (!line.startsWith("STAT ")) continue;
    const rest = line.slice(5);
    const sp = rest.indexOf(" ");
    if (sp > 0) out[rest.slice(0, sp)] = rest.slice(sp + 1);
  }
  return out;
}

/** Sends `request`, accumulates the reply until `parse` returns a value; rejects on timeout/close/error. */
export function memcachedRequest<T>(addr: Address, request: string, parse: (text: string) => T | undefined, timeoutMs = 1000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buf = "";
    let done = false;
    const socket = net.connect({ host: addr.host, port: addr.port });
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(new Error(`memcached ${addr.host}:${addr.port} did not answer within ${timeoutMs} ms`)), timeoutMs);
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write(request));
    socket.on("data", (chunk) => {
      buf += chunk.toString("latin1");
      try {
        const value = parse(buf);
        if (value !== undefined) finish(undefined, value);
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.once("error", (err) => finish(new Error(`memcached ${addr.host}:${addr.port}: ${err.message}`, { cause: err })));
    socket.once("close", () => finish(new Error(`memcached ${addr.host}:${addr.port} closed the connection`)));
  });
}

/** The server's version string, e.g. "1.6.18". */
export function version(addr: Address, timeoutMs = 1000): Promise<string> {
  return memcachedRequest(addr, "version\r\n", parseVersionReply, timeoutMs);
}

/** General-purpose `stats`. */
export function stats(addr: Address, timeoutMs = 1000): Promise<Record<string, string>> {
  return memcachedRequest(addr, "stats\r\n", parseStatsReply, timeoutMs);
}
