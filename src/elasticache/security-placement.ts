/**
 * Where security needs more than a node's port: a TLS listener port per node for transit
 * encryption "preferred" (plain and TLS clients both served, on two ports of the node), and the
 * check that a cluster joining a group is secured as the group is.
 */
import { tlsBesidePlain, type NodeSecurity } from "../domain/security.ts";
import type { Store } from "../store/index.ts";
import { pickPorts } from "./placement.ts";

/** One more port per new node when the security asks for a TLS listener beside the plain port; none otherwise. */
export async function pickTlsPorts(store: Store, security: NodeSecurity | undefined, count: number, alsoPicked: number[]): Promise<number[] | undefined> {
  if (!security || !tlsBesidePlain(security) || count === 0) return undefined;
  const picked = await pickPorts(store, count + alsoPicked.length);
  // The store only knows claimed ports: leave out the ones just picked for the nodes themselves.
  const fresh = picked.filter((port) => !alsoPicked.includes(port));
  return fresh.slice(0, count);
}

/** Same transit encryption, mode and tokens (both unsecured counts as the same). */
export function sameSecurity(a: NodeSecurity | undefined, b: NodeSecurity | undefined): boolean {
  const key = (security: NodeSecurity | undefined) =>
    JSON.stringify(security?.transitEncryption ? [security.transitEncryptionMode, security.authTokens] : security?.authTokens.length ? [null, security.authTokens] : null);
  return key(a) === key(b);
}
