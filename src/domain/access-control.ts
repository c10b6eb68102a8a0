/**
 * RBAC as the nodes run it: ElastiCache users become Redis ACL users. A user's AccessString is
 * Redis ACL rules without passwords (AWS refuses passwords there: they come from Passwords, and
 * are given to the nodes as `#<sha256>` so no store keeps them); a user whose AccessString says
 * neither `on` nor `off` is off, as on AWS.
 *
 * Besides the user group's users, every node of a group using RBAC has the control plane's own
 * user (ADMIN_USER, all commands, a password per group): the user group's `default` user may be
 * off or restricted, yet the health monitor, failover and replication must still log in. Replicas
 * replicate as that user (`masteruser`/`masterauth`), never as a customer's user whose password or
 * permissions the customer may change at any time.
 */
import { createHash } from "node:crypto";

/** The control plane's ACL user on nodes of groups using RBAC. */
export const ADMIN_USER = "elasticache-local-admin";

export type AuthenticationType = "password" | "no-password-required" | "iam";

/** A user as the nodes need it: its name and its ACL rules (without `reset`). */
export interface AclUser {
  name: string;
  rules: string[];
}

/** What the nodes of a group using RBAC (or leaving it) have besides the default user's AUTH. */
export interface AccessControl {
  /** The user group whose users the nodes have; undefined once RBAC is removed (its users are deleted from the nodes). */
  userGroupId?: string;
  /** The control plane's password for ADMIN_USER; kept for the group's life so a node not yet changed can still be reached. */
  adminPassword: string;
  /** The user group's users (each user name once), compiled. */
  users: AclUser[];
}

/** A user's settings the rules are made of. */
export interface UserAccess {
  userName: string;
  accessString: string;
  authType: AuthenticationType;
  /** SHA-256 digests (hex) of its passwords. */
  passwordHashes: string[];
}

export const passwordHash = (password: string) => createHash("sha256").update(password, "utf8").digest("hex");

/** The ACL rules of a user: on/off from its access string (off when it says neither), its passwords, then its access string. */
export function aclRulesOf(user: UserAccess): string[] {
  const words = accessStringWords(user.accessString);
  const credentials = user.authType === "no-password-required" ? ["nopass"] : user.passwordHashes.map((hash) => `#${hash}`);
  // An IAM user has no password a node could check here: it stays unable to log in.
  const state = words.includes("on") || words.includes("off") ? [] : ["off"];
  return [...state, ...credentials, ...words];
}

export const accessStringWords = (accessString: string) => accessString.split(/\s+/).filter((word) => word.length > 0);

/** The ACL rules of the control plane's user. */
export const adminRules = (password: string) => ["on", `>${password}`, "~*", "&*", "+@all"];

/** The nodes' users (by name): the group's users and the control plane's; undefined when the group does not use RBAC. */
export function aclUsersOf(control: AccessControl | undefined): Map<string, string[]> | undefined {
  if (!control?.userGroupId) return undefined;
  const users = new Map(control.users.map((user) => [user.name, user.rules]));
  users.set(ADMIN_USER, adminRules(control.adminPassword));
  return users;
}

/**
 * The users of a user group as the nodes get them: users being deleted are left out; when two
 * users share a user name (AWS refuses that in one group) the first by id wins.
 */
export function compileUsers(users: (UserAccess & { userId: string; status: string })[]): AclUser[] {
  const byName = new Map<string, AclUser>();
  for (const user of [...users].sort((a, b) => a.userId.localeCompare(b.userId))) {
    if (user.status === "deleting" || byName.has(user.userName)) continue;
    byName.set(user.userName, { name: user.userName, rules: aclRulesOf(user) });
  }
  return [...byName.values()];
}

export type UserStatus = "active" | "modifying" | "deleting";
export type UserGroupStatus = "creating" | "active" | "modifying" | "deleting";

/** An RBAC user as the store returns it. */
export interface RbacUser extends UserAccess {
  userId: string;
  engine: string;
  status: UserStatus;
  userGroupIds: string[];
}

/** An RBAC user group as the store returns it, with the replication groups that use it. */
export interface RbacUserGroup {
  userGroupId: string;
  engine: string;
  status: UserGroupStatus;
  userIds: string[];
  replicationGroupIds: string[];
}
