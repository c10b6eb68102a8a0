/** Host port helpers. */
import net from "node:net";
import { RuntimeError } from "./errors.ts";

/** True when `host:port` can be listened on right now (tries to bind, then releases it). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * First port of the inclusive range [from, to] that is not in `taken` and is free on `host`.
 * `taken` holds ports already assigned (e.g. to stopped nodes) that must not be handed out again.
 * Throws RuntimeError("NoFreePort") when the range is exhausted.
 */
export async function pickFreePort(host: string, range: readonly [number, number], taken: ReadonlySet<number> = new Set()): Promise<number> {
  const [from, to] = range;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65535 || from > to) {
    throw new RuntimeError("InvalidSpec", `Invalid port range ${from}-${to}`);
  }
  for (let port = from; port <= to; port++) {
    if (taken.has(port)) continue;
    if (await isPortFree(host, port)) return port;
  }
  throw new RuntimeError("NoFreePort", `No free port on ${host} in ${from}-${to} (${taken.size} already taken)`);
}
