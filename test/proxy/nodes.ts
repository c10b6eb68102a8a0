/** Real redis-server / memcached processes for the proxy tests, on free loopback ports. */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { Redis } from "ioredis";

import { freePort } from "../helpers/server.ts";

export { freePort };

export interface NodeProcess {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function spawnNode(command: string, args: string[], port: number): Promise<NodeProcess> {
  const child = spawn(command, args, { stdio: "ignore" });
  child.on("error", () => {});
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return waitForPort(port, child, command).then(
    () => ({ port, process: child, stop }),
    async (error) => {
      await stop();
      throw error;
    },
  );
}

export async function startRedis(): Promise<NodeProcess> {
  const port = await freePort();
  return spawnNode(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--daemonize", "no"],
    port,
  );
}

export async function startMemcached(): Promise<NodeProcess> {
  const port = await freePort();
  return spawnNode("memcached", ["-p", String(port), "-l", "127.0.0.1", "-U", "0", "-m", "16", "-u", "root"], port);
}

/** A plain ioredis client that does not retry forever (tests are bounded). */
export function redisClient(port: number, options: Record<string, unknown> = {}): Redis {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 3, ...options });
  client.on("error", () => {}); // resets through the proxy are expected in these tests
  return client;
}

/** Raw socket conversation: send, then collect until `until(buffer)` is true. */
export async function rawExchange(port: number, send: Buffer | string, until: (data: Buffer) => boolean, timeoutMs = 5000): Promise<Buffer> {
  const socket = net.connect(port, "127.0.0.1");
  try {
    return await exchangeOn(socket, send, until, timeoutMs);
  } finally {
    socket.destroy();
  }
}

export function exchangeOn(socket: net.Socket, send: Buffer | string, until: (data: Buffer) => boolean, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`timeout; got ${JSON.stringify(data.toString("latin1"))}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (until(data)) finish();
    };
    const onEnd = () => finish(until(data) ? undefined : new Error(`closed; got ${JSON.stringify(data.toString("latin1"))}`));
    const onError = (error: Error) => finish(error);
    function finish(error?: Error) {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      if (error) reject(error);
      else resolve(data);
    }
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.write(send);
  });
}

/** Resolves when the socket is closed by the other side (or errors), with how long it took. */
export function closedWithin(socket: net.Socket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on("error", () => {});
    socket.resume();
  });
}

/** Sends `request` and its FIN at once (half-close), then collects everything until the other side ends. */
export function halfCloseExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let data = "";
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
    socket.end(request);
  });
}
