/**
 * RBAC users and user groups, and the one rule that ties them to the nodes: whenever the users of
 * a user group change (a user modified or deleted, users added to or removed from the group), every
 * replication group using it gets the new compiled users (its accessControl column and its
 * members') and goes modifying in the same transaction, so the reconciler applies them to every
 * node. `settle` moves users and user groups on once no group using them is still being changed
 * (modifying -> active, deleting -> gone), as AWS reports them.
 *
 * Writes are conditional on the status the operation validated (active): a write that loses to
 * another finds nothing to update and reports a StaleWriteError (InvalidUserState /
 * InvalidUserGroupState to the caller).
 */
import { compileUsers, type AccessControl, type AuthenticationType, type RbacUser, type RbacUserGroup, type UserGroupStatus, type UserStatus } from "../domain/access-control.ts";
import type { Tag } from "../domain/model.ts";
import { bump, type Db, type Tx } from "./database.ts";
import { AlreadyExistsError, InUseError, NotFoundError, StaleWriteError, uniqueViolation } from "./errors.ts";
import { deleteTags, writeTags } from "./tags.ts";

export interface NewUser {
  userId: string;
  userName: string;
  engine: string;
  accessString: string;
  authType: AuthenticationType;
  passwordHashes: string[];
}

export interface UserChange {
  accessString?: string;
  authType?: AuthenticationType;
  passwordHashes?: string[];
}

type TagsOf = { arn: string; tags: Tag[] };

const userInclude = { memberships: { select: { userGroupId: true }, orderBy: { userGroupId: "asc" } } } as const;
const groupInclude = { members: { select: { userId: true }, orderBy: { userId: "asc" } } } as const;

type UserRow = { userId: string; userName: string; engine: string; accessString: string; authType: string; passwordHashes: string; status: string; memberships: { userGroupId: string }[] };

function toUser(row: UserRow): RbacUser {
  return {
    userId: row.userId,
    userName: row.userName,
    engine: row.engine,
    accessString: row.accessString,
    authType: row.authType as AuthenticationType,
    passwordHashes: JSON.parse(row.passwordHashes) as string[],
    status: row.status as UserStatus,
    userGroupIds: row.memberships.map((membership) => membership.userGroupId),
  };
}

export class AccessControlRepository {
  constructor(private readonly db: Db) {}

  /** The `default` user every account has (no password, every command and key), created when missing. */
  async ensureDefaultUser(): Promise<void> {
    await this.db.rbacUser.upsert({
      where: { userId: "default" },
      create: { userId: "default", userName: "default", engine: "redis", accessString: "on ~* &* +@all", authType: "no-password-required", status: "active" },
      update: {},
    });
  }

  async createUser(user: NewUser, tags: TagsOf): Promise<RbacUser> {
    try {
      return await this.db.$transaction(async (tx) => {
        const row = await tx.rbacUser.create({
          data: { ...user, passwordHashes: JSON.stringify(user.passwordHashes), status: "active" },
          include: userInclude,
        });
        await writeTags(tx, tags.arn, tags.tags);
        return toUser(row);
      });
    } catch (error) {
      throw uniqueViolation(error) ? new AlreadyExistsError("user", user.userId) : error;
    }
  }

  async listUsers(filter: { userId?: string; engine?: string } = {}): Promise<RbacUser[]> {
    const rows = await this.db.rbacUser.findMany({
      where: { ...(filter.userId === undefined ? {} : { userId: filter.userId }), ...(filter.engine === undefined ? {} : { engine: filter.engine }) },
      include: userInclude,
      orderBy: { userId: "asc" },
    });
    return rows.map(toUser);
  }

  async getUser(userId: string): Promise<RbacUser | undefined> {
    return (await this.listUsers({ userId }))[0];
  }

  /** A change of an active user: it goes modifying, the groups using its user groups get it. */
  modifyUser(userId: string, change: UserChange): Promise<RbacUser> {
    return this.db.$transaction(async (tx) => {
      await setUserStatus(tx, userId, "modifying", {
        ...(change.accessString === undefined ? {} : { accessString: change.accessString }),
        ...(change.authType === undefined ? {} : { authType: change.authType }),
        ...(change.passwordHashes === undefined ? {} : { passwordHashes: JSON.stringify(change.passwordHashes) }),
      });
      await refreshGroupsOfUser(tx, userId);
      return toUser((await tx.rbacUser.findUnique({ where: { userId }, include: userInclude }))!);
    });
  }

  /** An active user goes deleting: the nodes lose it at once, the row goes once they have (settle). */
  deleteUser(userId: string, arn: string): Promise<RbacUser> {
    return this.db.$transaction(async (tx) => {
      await setUserStatus(tx, userId, "deleting", {});
      await deleteTags(tx, arn);
      await refreshGroupsOfUser(tx, userId);
      return toUser((await tx.rbacUser.findUnique({ where: { userId }, include: userInclude }))!);
    });
  }

  async createUserGroup(group: { userGroupId: string; engine: string; userIds: string[] }, tags: TagsOf): Promise<RbacUserGroup> {
    try {
      return await this.db.$transaction(async (tx) => {
        await tx.rbacUserGroup.create({
          data: { userGroupId: group.userGroupId, engine: group.engine, status: "creating", members: { create: group.userIds.map((userId) => ({ userId })) } },
        });
        await writeTags(tx, tags.arn, tags.tags);
        return (await readUserGroups(tx, group.userGroupId))[0];
      });
    } catch (error) {
      throw uniqueViolation(error) ? new AlreadyExistsError("user-group", group.userGroupId) : error;
    }
  }

  listUserGroups(userGroupId?: string): Promise<RbacUserGroup[]> {
    return readUserGroups(this.db, userGroupId);
  }

  /** Users added to and removed from an active group: it goes modifying, and so do the groups using it. */
  modifyUserGroup(userGroupId: string, add: string[], remove: string[]): Promise<RbacUserGroup> {
    return this.db.$transaction(async (tx) => {
      await setUserGroupStatus(tx, userGroupId, "modifying");
      if (remove.length > 0) await tx.rbacUserGroupMember.deleteMany({ where: { userGroupId, userId: { in: remove } } });
      for (const userId of add) await tx.rbacUserGroupMember.upsert({ where: { userGroupId_userId: { userGroupId, userId } }, create: { userGroupId, userId }, update: {} });
      await refreshGroupsUsing(tx, userGroupId);
      return (await readUserGroups(tx, userGroupId))[0];
    });
  }

  /** An active group no replication group uses goes deleting (settle removes it). */
  deleteUserGroup(userGroupId: string, arn: string): Promise<RbacUserGroup> {
    return this.db.$transaction(async (tx) => {
      const users = await tx.replicationGroup.count({ where: { userGroupId } });
      if (users > 0) throw new InUseError("user-group", userGroupId);
      await setUserGroupStatus(tx, userGroupId, "deleting");
      await deleteTags(tx, arn);
      return (await readUserGroups(tx, userGroupId))[0];
    });
  }

  /** The compiled users of a user group, for a group about to use it. */
  async usersOf(userGroupId: string): Promise<AccessControl["users"]> {
    return compiledUsers(this.db, userGroupId);
  }

  /**
   * Users and user groups move on once no replication group using them is being changed:
   * creating/modifying -> active, deleting -> removed. Idempotent; the controllers call it on
   * every pass and whenever a group becomes available.
   */
  settle(): Promise<void> {
    return this.db.$transaction(async (tx) => {
      const busy = await tx.replicationGroup.findMany({
        where: { userGroupId: { not: null }, status: { in: ["creating", "modifying"] } },
        select: { userGroupId: true },
      });
      const busyGroups = [...new Set(busy.map((group) => group.userGroupId!))];
      await tx.rbacUserGroup.deleteMany({ where: { status: "deleting" } });
      await tx.rbacUserGroup.updateMany({ where: { status: { in: ["creating", "modifying"] }, userGroupId: { notIn: busyGroups } }, data: { status: "active" } });
      // A user is settled once none of the user groups it is in is in use by a group being changed.
      const busyUsers = (await tx.rbacUserGroupMember.findMany({ where: { userGroupId: { in: busyGroups } }, select: { userId: true } })).map((member) => member.userId);
      await tx.rbacUser.deleteMany({ where: { status: "deleting", userId: { notIn: busyUsers } } });
      await tx.rbacUser.updateMany({ where: { status: "modifying", userId: { notIn: busyUsers } }, data: { status: "active" } });
    });
  }
}

async function setUserStatus(tx: Tx, userId: string, status: UserStatus, data: Record<string, unknown>): Promise<void> {
  const { count } = await tx.rbacUser.updateMany({ where: { userId, status: "active" }, data: { ...data, status } });
  if (count > 0) return;
  if ((await tx.rbacUser.count({ where: { userId } })) === 0) throw new NotFoundError("user", userId);
  throw new StaleWriteError("user", userId);
}

async function setUserGroupStatus(tx: Tx, userGroupId: string, status: UserGroupStatus): Promise<void> {
  const { count } = await tx.rbacUserGroup.updateMany({ where: { userGroupId, status: "active" }, data: { status } });
  if (count > 0) return;
  if ((await tx.rbacUserGroup.count({ where: { userGroupId } })) === 0) throw new NotFoundError("user-group", userGroupId);
  throw new StaleWriteError("user-group", userGroupId);
}

async function readUserGroups(tx: Tx | Db, userGroupId?: string): Promise<RbacUserGroup[]> {
  const rows = await tx.rbacUserGroup.findMany({
    where: userGroupId === undefined ? {} : { userGroupId },
    include: groupInclude,
    orderBy: { userGroupId: "asc" },
  });
  const using = await tx.replicationGroup.findMany({
    where: { userGroupId: { in: rows.map((row) => row.userGroupId) } },
    select: { id: true, userGroupId: true },
    orderBy: { id: "asc" },
  });
  return rows.map((row) => ({
    userGroupId: row.userGroupId,
    engine: row.engine,
    status: row.status as UserGroupStatus,
    userIds: row.members.map((member) => member.userId),
    replicationGroupIds: using.filter((group) => group.userGroupId === row.userGroupId).map((group) => group.id),
  }));
}

async function compiledUsers(tx: Tx | Db, userGroupId: string): Promise<AccessControl["users"]> {
  const members = await tx.rbacUserGroupMember.findMany({ where: { userGroupId }, include: { user: true } });
  return compileUsers(
    members.map(({ user }) => ({
      userId: user.userId,
      userName: user.userName,
      accessString: user.accessString,
      authType: user.authType as AuthenticationType,
      passwordHashes: JSON.parse(user.passwordHashes) as string[],
      status: user.status,
    })),
  );
}

async function refreshGroupsOfUser(tx: Tx, userId: string): Promise<void> {
  const memberships = await tx.rbacUserGroupMember.findMany({ where: { userId }, select: { userGroupId: true } });
  for (const { userGroupId } of memberships) await refreshGroupsUsing(tx, userGroupId);
}

/**
 * Every replication group using the user group (and its members) gets the group's users as they
 * are now; an available group goes modifying so the reconciler applies them (one in another
 * transitional status is being reconciled anyway and applies them on its way).
 */
async function refreshGroupsUsing(tx: Tx, userGroupId: string): Promise<void> {
  const groups = await tx.replicationGroup.findMany({ where: { userGroupId, status: { not: "deleting" } }, select: { id: true, status: true, accessControl: true } });
  if (groups.length === 0) return;
  const users = await compiledUsers(tx, userGroupId);
  for (const group of groups) {
    const control: AccessControl = { ...(JSON.parse(group.accessControl!) as AccessControl), users };
    const accessControl = JSON.stringify(control);
    const status = group.status === "available" ? { status: "modifying" } : {};
    await tx.replicationGroup.update({ where: { id: group.id }, data: { accessControl, ...status, ...bump } });
    await tx.cacheCluster.updateMany({ where: { replicationGroupId: group.id, status: { not: "deleting" } }, data: { accessControl, ...status, ...bump } });
  }
}
