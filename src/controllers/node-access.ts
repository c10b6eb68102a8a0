/**
 * How the controllers reach a secured node and how it is started secured: its connection profile
 * (TLS with the installation's CA on a TLS-only client port, the AUTH token), the address other
 * nodes replicate from (its TLS listener when transit encryption is on: the nodes run with
 * `tls-replication yes`), and the TLS files, settings and `default` user of its spec. Everything
 * here follows the node's own cluster's NodeSecurity, so a node added later or recovered after a
 * failover is secured the same way. With RBAC the control plane logs in as its own ACL user
 * (domain/access-control.ts), never as a customer's.
 */
import type { Address, CacheCluster, CacheNode } from "../domain/model.ts";
import { ADMIN_USER, aclUsersOf } from "../domain/access-control.ts";
import { loginTokens, NO_SECURITY, tlsBesidePlain, tlsOnly, type NodeSecurity } from "../domain/security.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { RedisAdmin } from "../engines/redis-admin.ts";
import type { NodeHandle, NodeSpec } from "../runtime/types.ts";
import type { NodeCertificates } from "./context.ts";
import { nodeSpecOf } from "./node-spec.ts";

/** Name of a node's TLS listener beside its plain port (transit encryption "preferred"). */
export const TLS_PORT_NAME = "tls";

/** A node's addresses as recorded in the store or returned by the runtime. */
export interface NodeAddresses {
  admin: Address;
  peer: Address;
  tlsAdmin?: Address;
  tlsPeer?: Address;
}

export const addressesOfHandle = (handle: NodeHandle): NodeAddresses => ({
  admin: handle.adminAddress,
  peer: handle.peerAddress,
  tlsAdmin: handle.ports[TLS_PORT_NAME]?.admin,
  tlsPeer: handle.ports[TLS_PORT_NAME]?.peer,
});

export function addressesOfNode(node: CacheNode | undefined): NodeAddresses | undefined {
  if (!node?.admin || !node.peer) return undefined;
  return { admin: node.admin, peer: node.peer, tlsAdmin: node.tlsAdmin, tlsPeer: node.tlsPeer };
}

const securityOf = (cluster: { security?: NodeSecurity }) => cluster.security ?? NO_SECURITY;

/** Where the other nodes replicate from: the TLS listener when transit encryption is on. */
export function replicationPeerOf(cluster: { security?: NodeSecurity }, addresses: NodeAddresses): Address {
  const security = securityOf(cluster);
  if (tlsBesidePlain(security)) {
    if (!addresses.tlsPeer) throw new Error(`node at ${addresses.peer.host}:${addresses.peer.port} has no TLS listener recorded`);
    return addresses.tlsPeer;
  }
  return addresses.peer;
}

/**
 * The control plane's profile for a node: its admin address (TLS verified with the CA when the
 * client port speaks TLS only; in "preferred" mode the plain port), logging in with the newest token.
 */
export function profileOf(certificates: NodeCertificates | undefined, cluster: { security?: NodeSecurity }, admin: Address): ConnectionProfile {
  return profileWith(certificates, cluster, admin, identityOf(securityOf(cluster)));
}

/** Who the control plane logs in as: a user name (the default user when absent) and a password (none when absent). */
interface Identity {
  username?: string;
  password?: string;
}

/** The same with a given identity. */
function profileWith(certificates: NodeCertificates | undefined, cluster: { security?: NodeSecurity }, admin: Address, identity: Identity): ConnectionProfile {
  const tls = tlsOnly(securityOf(cluster));
  if (tls && !certificates) throw new Error("transit encryption needs the installation's certificate authority");
  const { username, password } = identity;
  return { ...admin, ...(tls ? { tls: { ca: certificates!.caPem } } : {}), ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/** The control plane's identity on a settled node: its own ACL user with RBAC, else the default user with the newest token. */
function identityOf(security: NodeSecurity): Identity {
  const control = security.accessControl;
  if (control?.userGroupId) return { username: ADMIN_USER, password: control.adminPassword };
  return { password: security.authTokens[0] };
}

/**
 * Who may log in while a change is applied, in order: the control plane's own user first (with
 * RBAC on any node, and a nopass `default` user of a user group would accept any password while
 * lacking rights), then the desired identity, then the default user with each token the nodes may
 * still accept (and none).
 */
function transitionIdentities(security: NodeSecurity): Identity[] {
  const control = security.accessControl;
  const admin: Identity[] = control ? [{ username: ADMIN_USER, password: control.adminPassword }] : [];
  return [...admin, identityOf(security), ...loginTokens(security).map((password) => ({ password }))];
}

/** Refusals of a login (a token the node does not have, or a token given to a node without one). */
const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password|invalid username-password|without any password configured/i;

/**
 * A profile that logs in to the node now. Only while a change of tokens is applied can a node
 * accept another token than the newest (a node not changed yet, or one with no token before a
 * first ROTATE): then each token is tried in turn, and no token at all last.
 */
export async function loggedIn(redis: RedisAdmin, certificates: NodeCertificates | undefined, cluster: { security?: NodeSecurity }, admin: Address): Promise<ConnectionProfile> {
  const security = securityOf(cluster);
  // Settled: every node accepts the newest token.
  if (security.previousAuthTokens === undefined) return profileOf(certificates, cluster, admin);
  let lastError: unknown;
  for (const identity of transitionIdentities(security)) {
    const profile = profileWith(certificates, cluster, admin, identity);
    try {
      await redis.ping(profile);
      return profile;
    } catch (error) {
      lastError = error;
      // A refused login leaves no pooled connection behind (RedisAdmin drops it).
      if (!AUTH_REFUSED.test(String((error as Error).message))) throw error;
    }
  }
  throw lastError;
}

/** The `default` user's ACL rules for the cluster's tokens (all commands, keys and channels, as ElastiCache's AUTH user). */
export function defaultUserRules(tokens: string[]): string {
  const passwords = tokens.length === 0 ? ["nopass"] : tokens.map((token) => `>${token}`);
  return ["on", ...passwords, "~*", "&*", "+@all"].join(" ");
}

/**
 * The node's runtime spec with its security: TLS files and settings from the CA (a TLS-only client
 * port for "required", a TLS listener on the node's TLS port beside the plain one for "preferred"),
 * the `default` user with the tokens and `masterauth` for replication.
 */
export async function specOf(certificates: NodeCertificates | undefined, cluster: CacheCluster, node: CacheNode, replicaOf?: Address): Promise<NodeSpec> {
  const spec = nodeSpecOf(cluster, node, replicaOf);
  const security = securityOf(cluster);
  if (spec.engine === "memcached") return spec;
  if (security.transitEncryption) {
    if (!certificates) throw new Error("transit encryption needs the installation's certificate authority");
    const material = await certificates.forNode(node.runtimeName);
    spec.files = { ...spec.files, ...material.files };
    spec.settings = { ...spec.settings, ...material.settings };
    if (tlsOnly(security)) spec.tlsOnly = true;
    else {
      if (node.tlsPort === undefined) throw new Error(`node ${node.runtimeName} has no TLS port allocated`);
      spec.extraPorts = [...(spec.extraPorts ?? []), { name: TLS_PORT_NAME, hostPort: node.tlsPort, setting: "tls-port" }];
    }
  }
  const rbac = aclUsersOf(security.accessControl);
  if (rbac) {
    // RBAC: the user group's users and the control plane's; replicas replicate as the latter.
    const users = Object.fromEntries([...rbac].map(([name, rules]) => [`user ${name}`, rules.join(" ")]));
    spec.secretSettings = { ...spec.secretSettings, ...users, masteruser: ADMIN_USER, masterauth: security.accessControl!.adminPassword };
  } else if (security.authTokens.length > 0) {
    spec.secretSettings = { ...spec.secretSettings, "user default": defaultUserRules(security.authTokens), masterauth: security.authTokens[0] };
  }
  return spec;
}
