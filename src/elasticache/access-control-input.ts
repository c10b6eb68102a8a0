/**
 * AWS's input rules for RBAC users and user groups, pure so they get unit tests: ids (a letter
 * first, then letters, digits and hyphens; kept lowercase), user names, engines (redis, valkey),
 * AccessString (Redis ACL rules without passwords), Passwords (one or two, 16–128 printable
 * characters), NoPasswordRequired and AuthenticationMode (password / no-password-required / iam),
 * and which of them go together.
 */
import { randomBytes } from "node:crypto";
import { AwsError, errors } from "../aws/errors.ts";
import { ADMIN_USER, accessStringWords, passwordHash, type AuthenticationType } from "../domain/access-control.ts";
import { oneOf, optionalBool, requiredString, stringList } from "./validate.ts";

/** UserId and UserGroupId: a letter first, then letters, digits and hyphens (AWS keeps them lowercase). */
export function rbacId(value: unknown, param: string): string {
  const id = requiredString(value, param);
  if (id.length > 120 || !/^[a-zA-Z][a-zA-Z0-9-]*$/.test(id)) {
    throw errors.invalidParameterValue(`Invalid ${param} "${id}": it must begin with a letter and contain only letters, digits and hyphens (at most 120).`);
  }
  return id.toLowerCase();
}

export function rbacIds(value: unknown, param: string): string[] | undefined {
  const ids = stringList(value, param);
  return ids && [...new Set(ids.map((id) => rbacId(id, param)))];
}

/** A user name becomes a Redis ACL user name: no whitespace; the control plane's own name is taken. */
export function userName(value: unknown): string {
  const name = requiredString(value, "UserName");
  if (name.length > 120 || /\s/.test(name)) throw errors.invalidParameterValue(`Invalid UserName "${name}": 1 to 120 characters without spaces.`);
  if (name === ADMIN_USER) throw errors.invalidParameterValue(`UserName ${ADMIN_USER} is reserved by elasticache-local.`);
  return name;
}

export function engineOf(value: unknown, required: boolean): "redis" | "valkey" | undefined {
  if (required) requiredString(value, "Engine");
  return oneOf(value, "Engine", ["redis", "valkey"] as const)?.toLowerCase() as "redis" | "valkey" | undefined;
}

const RULE_PATTERNS: RegExp[] = [
  /^(on|off|allkeys|resetkeys|allchannels|resetchannels|allcommands|nocommands)$/i,
  /^%(R|W|RW)?~\S+$/i,
  /^~\S+$/,
  /^&\S+$/,
  /^[+-]@[a-z]+$/i,
  /^[+-][a-z][a-z0-9_.-]*(\|[a-z0-9_.-]+)?$/i,
];

/**
 * AccessString: Redis ACL rules. Passwords belong in Passwords (AWS refuses `>`, `<`, `#`, `!`,
 * nopass, resetpass and reset here), and any word that is not a key, channel or command rule is
 * refused before a node could refuse it.
 */
export function accessString(value: unknown, param = "AccessString"): string {
  const text = requiredString(value, param);
  if (text.length > 2048) throw errors.invalidParameterValue(`${param} must be at most 2048 characters.`);
  const words = accessStringWords(text);
  if (words.length === 0) throw errors.invalidParameterValue(`${param} must contain at least one rule.`);
  for (const word of words) {
    if (/^[><#!]/.test(word) || /^(nopass|resetpass|reset)$/i.test(word)) {
      throw errors.invalidParameterValue(`Invalid ${param}: passwords cannot be set in it ("${word}"); use Passwords or NoPasswordRequired.`);
    }
    if (!RULE_PATTERNS.some((pattern) => pattern.test(word))) throw errors.invalidParameterValue(`Invalid ${param}: "${word}" is not an access rule.`);
  }
  return words.join(" ");
}

const PASSWORD = /^[\x21-\x7e]{16,128}$/;

function passwords(value: unknown, param: string): string[] | undefined {
  const list = stringList(value, param);
  if (list === undefined) return undefined;
  if (list.length === 0 || list.length > 2) throw errors.invalidParameterValue(`${param} must contain one or two passwords.`);
  for (const password of list) {
    if (!PASSWORD.test(password)) throw errors.invalidParameterValue(`Invalid ${param}: each password must be 16 to 128 printable characters without spaces.`);
  }
  return list;
}

export interface Credentials {
  authType: AuthenticationType;
  passwordHashes: string[];
}

/**
 * How a user logs in, from Passwords / NoPasswordRequired or AuthenticationMode (not both):
 * undefined when the input says nothing (allowed on ModifyUser only).
 */
export function credentials(input: { Passwords?: unknown; NoPasswordRequired?: unknown; AuthenticationMode?: unknown }, required: boolean): Credentials | undefined {
  const list = passwords(input.Passwords, "Passwords");
  const noPassword = optionalBool(input.NoPasswordRequired, "NoPasswordRequired");
  const mode = input.AuthenticationMode;
  if (mode !== undefined && mode !== null) {
    if (list !== undefined || noPassword !== undefined) {
      throw errors.invalidParameterCombination("AuthenticationMode cannot be given with Passwords or NoPasswordRequired.");
    }
    if (typeof mode !== "object" || Array.isArray(mode)) throw errors.invalidParameterValue("AuthenticationMode must be a structure.");
    const { Type, Passwords } = mode as Record<string, unknown>;
    const type = oneOf(Type, "AuthenticationMode.Type", ["password", "no-password-required", "iam"] as const);
    if (type === undefined) throw errors.missingParameter("AuthenticationMode.Type");
    const modePasswords = passwords(Passwords, "AuthenticationMode.Passwords");
    if (type === "password") {
      if (!modePasswords) throw errors.invalidParameterCombination("AuthenticationMode Type password requires Passwords.");
      return { authType: "password", passwordHashes: modePasswords.map(passwordHash) };
    }
    if (modePasswords) throw errors.invalidParameterCombination(`AuthenticationMode Type ${type} takes no Passwords.`);
    return { authType: type, passwordHashes: [] };
  }
  if (list !== undefined && noPassword) throw errors.invalidParameterCombination("Passwords and NoPasswordRequired cannot be given together.");
  if (list !== undefined) return { authType: "password", passwordHashes: list.map(passwordHash) };
  if (noPassword) return { authType: "no-password-required", passwordHashes: [] };
  if (required) throw errors.invalidParameterValue("A user needs Passwords, NoPasswordRequired true or an AuthenticationMode.");
  if (noPassword === false) throw errors.invalidParameterValue("NoPasswordRequired false needs Passwords.");
  return undefined;
}

/** IAM users log in with their user id as user name, as on AWS. */
export function requireIamNames(authType: AuthenticationType, userId: string, name: string): void {
  if (authType === "iam" && userId !== name) throw errors.invalidParameterValue("A user with AuthenticationMode Type iam must have its UserName equal to its UserId.");
}

/**
 * Which users a user group of an engine can hold: a redis group holds redis users; a valkey
 * group holds valkey users and redis users that log in with a password or IAM.
 */
export function requireEngineFits(groupEngine: string, user: { userId: string; engine: string; authType: AuthenticationType }): void {
  const fits = user.engine === groupEngine || (groupEngine === "valkey" && user.authType !== "no-password-required");
  if (!fits) throw errors.invalidParameterValue(`User ${user.userId} (engine ${user.engine}) cannot be in a user group of engine ${groupEngine}.`);
}

/** The users a group may end with: a user named default among them, and no user name twice. */
export function requireGroupUsers(users: { userId: string; userName: string }[]): void {
  if (!users.some((user) => user.userName === "default")) throw new AwsError("DefaultUserRequired", "A user group must contain a user named default.");
  const seen = new Set<string>();
  for (const user of users) {
    if (seen.has(user.userName)) throw new AwsError("DuplicateUserName", `Two users of the group are named ${user.userName}.`);
    seen.add(user.userName);
  }
}

export const MAX_USERS_PER_GROUP = 100;

export function requireGroupSize(count: number): void {
  if (count > MAX_USERS_PER_GROUP) throw new AwsError("UserGroupQuotaExceeded", `A user group can have at most ${MAX_USERS_PER_GROUP} users.`);
}

/**
 * UserGroupIds of CreateReplicationGroup (and UserGroupIdsToAdd of ModifyReplicationGroup): one
 * user group at most, only with transit encryption and never beside an AuthToken, as AWS says.
 */
export function parseUserGroupIds(value: unknown, param: string, security: { transitEncryption: boolean; authTokens: string[] } | undefined): string | undefined {
  const ids = rbacIds(value, param);
  if (!ids || ids.length === 0) return undefined;
  if (ids.length > 1) throw errors.invalidParameterValue(`${param}: a replication group uses one user group.`);
  if (!security?.transitEncryption) throw errors.invalidParameterCombination(`${param} requires TransitEncryptionEnabled to be true.`);
  if (security.authTokens.length > 0) throw errors.invalidParameterCombination(`${param} cannot be combined with an AuthToken; use AuthTokenUpdateStrategy DELETE with it.`);
  return ids[0];
}

/** The control plane's password on a group's nodes (domain/access-control.ts ADMIN_USER). */
export const newAdminPassword = () => randomBytes(24).toString("base64url");
