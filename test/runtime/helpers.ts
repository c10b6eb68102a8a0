/** Shared helpers for runtime and engine tests (real sockets, no mocks). */
import { readdirSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { pickFreePort } from "../../src/runtime/ports.ts";
import type { Address } from "../../src/runtime/types.ts";
import { memcachedGet, memcachedRaw, memcachedSet, memcachedStats } from "../helpers/nodes.ts";

const handedOut = new Set<number>();

/**
 * `n` distinct free ports on `host` from a random window (never the same port twice in a run),
 * below the kernel's ephemeral ports (32768+), which any outgoing connection may take at any time.
 * Swarm publishes on every address of the host: check "0.0.0.0" for its nodes.
 */
export async function freePorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const out: number[] = [];
  const base = 20_000 + Math.floor(Math.random() * 7_000);
  for (let i = 0; i < n; i++) {
    const port = await pickFreePort(host, [base, base + 5_000], handedOut);
    handedOut.add(port);
    out.push(port);
  }
  return out;
}

/** Pids whose command line names `binary` and `port` (how many engine processes serve that port). */
export function enginePids(binary: string, port: number): number[] {
  const re = new RegExp(`(^|[^0-9])${port}([^0-9]|$)`);
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
      if (cmd.includes(binary) && re.test(cmd)) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

const endpoint = (addr: Address) => ({ Address: addr.host, Port: addr.port });

/** memcached set + get over the text protocol; returns the value read back. */
export async function memcachedSetGet(addr: Address, key: string, value: string): Promise<string | undefined> {
  await memcachedSet(endpoint(addr), key, value);
  return memcachedGet(endpoint(addr), key);
}

/** The server's version string, e.g. "1.6.18". */
export async function memcachedVersion(addr: Address): Promise<string> {
  const reply = await memcachedRaw(endpoint(addr), "version\r\n", (text) => text.endsWith("\r\n"));
  const match = /^VERSION (\S+)\r\n$/.exec(reply);
  if (!match) throw new Error(`memcached version: ${JSON.stringify(reply)}`);
  return match[1];
}

/** `stats` as key/value pairs. */
export function memcachedStatsOf(addr: Address): Promise<Record<string, string>> {
  return memcachedStats(endpoint(addr));
}

export function ms(t0: number): number {
  return Math.round(performance.now() - t0);
}

/** ioredis clients the runtime tests open, closed together by closeRedisClients(). */
const redisClients: Redis[] = [];

/** A client that fails fast (no retries), remembered for closeRedisClients(). */
export function redisClient(port: number): Redis {
  const client = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on("error", () => {});
  redisClients.push(client);
  return client;
}

export function closeRedisClients(): void {
  for (const client of redisClients.splice(0)) client.disconnect();
}

/** Named timing samples, printed at the end of a runtime test file. */
export function timingLog(): { timings: Record<string, number[]>; timed(label: string, value: number): void } {
  const timings: Record<string, number[]> = {};
  return { timings, timed: (label, value) => void (timings[label] ??= []).push(value) };
}
