/**
 * How a client reaches one node: address, TLS material and credentials. Every client of a node
 * (admin commands, health probes, replication set-up) is given one per call, so nodes with AUTH,
 * ACL users or TLS need nothing global, and two nodes with different credentials never share a
 * connection.
 */
import type { ConnectionOptions } from "node:tls";
import type { Address } from "../runtime/types.ts";

export interface TlsProfile {
  /** PEM of the CA that signed the node's certificate (the node is verified against it). */
  ca: string;
  /** Name the node's certificate must carry; default: the host when it is a name. */
  servername?: string;
  /** PEM client certificate and key, for nodes that ask for one (`tls-auth-clients yes`). */
  cert?: string;
  key?: string;
}

export interface ConnectionProfile extends Address {
  tls?: TlsProfile;
  username?: string;
  password?: string;
}

/** One string per distinct profile: pools and probe connections are keyed by the whole profile. */
export function profileKey(profile: ConnectionProfile): string {
  const { host, port, tls, username, password } = profile;
  return JSON.stringify([host, port, tls?.ca, tls?.servername, tls?.cert, tls?.key, username, password]);
}

/** "host:port", for messages (never the credentials). */
export function addressOf(profile: Address): string {
  return `${profile.host}:${profile.port}`;
}

/** Node's TLS options for a profile, or undefined for a plain TCP connection. */
export function tlsOptionsOf(profile: ConnectionProfile): ConnectionOptions | undefined {
  if (!profile.tls) return undefined;
  const { ca, servername, cert, key } = profile.tls;
  return { ca, cert, key, ...(servername ? { servername } : {}) };
}
