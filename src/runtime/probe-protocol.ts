/**
 * How to ask a node whether it serves, per engine: one request and the rule for its one-line
 * reply. The runtime's readiness wait (readiness.ts) and the health monitor's probes
 * (engines/line-probe.ts) both use this table, so "the node answers" means the same everywhere.
 *
 * A Redis node that refuses for want of credentials (-NOAUTH, -WRONGPASS, -NOPERM) answers: it is
 * up and serving, only protected. -LOADING (a data file still loading) is not an answer yet.
 */
import type { EngineKind } from "./types.ts";

export interface ProbeProtocol {
  /** What to send, in the engine's own protocol. */
  request: string;
  /** True when the reply line shows the engine serving requests (or refusing only for credentials). */
  answers(line: string): boolean;
  /** The request that authenticates a connection, for engines with credentials. */
  auth?(username: string | undefined, password: string): string;
}

const AUTH_REFUSAL = /^-(NOAUTH|WRONGPASS|NOPERM)\b/;

/** One command as a RESP array: arguments may hold spaces and any byte. */
function respCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
}

const REDIS: ProbeProtocol = {
  request: "PING\r\n",
  answers: (line) => line === "+PONG" || AUTH_REFUSAL.test(line),
  auth: (username, password) => (username ? respCommand("AUTH", username, password) : respCommand("AUTH", password)),
};

const MEMCACHED: ProbeProtocol = {
  request: "version\r\n",
  answers: (line) => line.startsWith("VERSION "),
};

export const PROBE_PROTOCOLS: Readonly<Record<EngineKind, ProbeProtocol>> = Object.freeze({
  redis: REDIS,
  valkey: REDIS,
  memcached: MEMCACHED,
});

/**
 * True for a TLS alert sent by the peer during the handshake: the engine's TLS listener is up and
 * refused us, e.g. for want of a client certificate (`tls-auth-clients yes`). Docker's port proxy,
 * which accepts before the engine listens, closes without an alert.
 */
export function isTlsAlertFromPeer(error: unknown): boolean {
  return /^ERR_SSL_.*ALERT/.test(String((error as { code?: unknown })?.code ?? ""));
}
