/**
 * What secures a node: transit encryption (TLS with a certificate of the installation's CA) and
 * the AUTH tokens its `default` user accepts. A replication group and each of its member clusters
 * carry the same settings (members copy their group's, so a node's spec, probes and replication
 * need only its own cluster).
 */
import type { AccessControl } from "./access-control.ts";

/** "preferred": TLS and plain connections both served; "required": TLS only. */
export type TransitEncryptionMode = "preferred" | "required";

/** What a node's client connections are: plain only ("off"), or a transit encryption mode. */
export type TransitState = "off" | TransitEncryptionMode;

export interface NodeSecurity {
  transitEncryption: boolean;
  /** Set when transitEncryption is. */
  transitEncryptionMode?: TransitEncryptionMode;
  /** AUTH tokens the nodes accept, newest first: none (no AUTH), one, or two after a ROTATE. */
  authTokens: string[];
  /**
   * While a change of tokens is applied (status modifying): what the nodes accepted before it
   * (empty: no AUTH), so the controllers can still log in to a node not yet changed. Undefined
   * once every node has the tokens.
   */
  previousAuthTokens?: string[];
  authTokenLastModified?: Date;
  /**
   * While an in-place change of transit encryption is applied (ModifyReplicationGroup, status
   * modifying): what the nodes served before it. Undefined once every node serves the new state.
   */
  previousTransit?: TransitState;
  /** RBAC users (domain/access-control.ts); undefined for a group that never used a user group. */
  accessControl?: AccessControl;
}

export const NO_SECURITY: NodeSecurity = Object.freeze({ transitEncryption: false, authTokens: [] }) as NodeSecurity;

/** The node's client port speaks TLS only. */
export const tlsOnly = (security: NodeSecurity) => security.transitEncryption && security.transitEncryptionMode === "required";

/** The user group the nodes take their users from, if any. */
export const userGroupOf = (security: NodeSecurity | undefined) => security?.accessControl?.userGroupId;

/** The node serves TLS on a second port beside its plain one. */
export const tlsBesidePlain = (security: NodeSecurity) => security.transitEncryption && security.transitEncryptionMode === "preferred";

/**
 * What a client of the node may log in with right now: the desired tokens first, then the ones
 * being replaced; undefined stands for no password (a node without AUTH, before or after the change).
 */
export function loginTokens(security: NodeSecurity): (string | undefined)[] {
  const previous = security.previousAuthTokens ?? [];
  const tokens: (string | undefined)[] = [...new Set([...security.authTokens, ...previous])];
  if (security.authTokens.length === 0 || (security.previousAuthTokens !== undefined && previous.length === 0)) tokens.push(undefined);
  return tokens;
}

/** The transit state the security settings describe. */
export const transitStateOf = (security: NodeSecurity | undefined): TransitState =>
  security?.transitEncryption ? (security.transitEncryptionMode ?? "required") : "off";

/** The security settings with another transit state (the tokens and users unchanged). */
export function withTransit(security: NodeSecurity, state: TransitState): NodeSecurity {
  const { transitEncryptionMode: _mode, ...rest } = security;
  return state === "off" ? { ...rest, transitEncryption: false } : { ...rest, transitEncryption: true, transitEncryptionMode: state };
}
