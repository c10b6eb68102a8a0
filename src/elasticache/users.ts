/**
 * RBAC users and user groups (CreateUser … DescribeUserGroups) with AWS's rules and statuses:
 * users are active at once and modifying / deleting while the groups using them take the change;
 * user groups are creating, then active, and modifying / deleting likewise (store/access-control.ts
 * moves them on once the nodes have the change). The `default` user always exists and cannot be
 * changed or deleted; a user group must hold a user named default. DeleteUser removes the user from
 * every user group, and so from every node (AWS's DeleteUser does the same), except the user named
 * default of a user group (DefaultUserAssociatedToUserGroup): a group always keeps one.
 */
import type * as Aws from "@aws-sdk/client-elasticache";
import { AwsError, errors } from "../aws/errors.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";
import type { RbacUser, RbacUserGroup } from "../domain/access-control.ts";
import { arnOf } from "../domain/arn.ts";
import {
  accessString,
  credentials,
  engineOf,
  rbacId,
  rbacIds,
  requireEngineFits,
  requireGroupSize,
  requireGroupUsers,
  requireIamNames,
  userName,
} from "./access-control-input.ts";
import type { ServiceContext } from "./context.ts";
import { page, pageRequest } from "./paging.ts";
import { parseTags, tagsFor } from "./tags.ts";

export const DEFAULT_USER_ID = "default";
/** What AWS reports as the engine version users need (Redis ACL users came with Redis 6.0). */
const MINIMUM_ENGINE_VERSION = "6.0";

export class UserService {
  constructor(private readonly ctx: ServiceContext) {}

  private userArn = (id: string) => arnOf(this.ctx.account, "user", id);
  private groupArn = (id: string) => arnOf(this.ctx.account, "usergroup", id);

  ensureDefault(): Promise<void> {
    return this.ctx.store.accessControl.ensureDefaultUser();
  }

  async createUser(input: InputOf<"CreateUser">): Promise<OutputOf<"CreateUser">> {
    const userId = rbacId(input.UserId, "UserId");
    const name = userName(input.UserName);
    const engine = engineOf(input.Engine, true)!;
    const access = accessString(input.AccessString);
    const login = credentials(input, true)!;
    requireIamNames(login.authType, userId, name);
    const tags = parseTags(input.Tags);
    const user = await this.ctx.store.accessControl.createUser({ userId, userName: name, engine, accessString: access, ...login }, tagsFor(this.userArn(userId), tags));
    return this.toUser(user);
  }

  async modifyUser(input: InputOf<"ModifyUser">): Promise<OutputOf<"ModifyUser">> {
    const userId = rbacId(input.UserId, "UserId");
    const access = input.AccessString === undefined ? undefined : accessString(input.AccessString);
    const append = input.AppendAccessString === undefined ? undefined : accessString(input.AppendAccessString, "AppendAccessString");
    if (access !== undefined && append !== undefined) throw errors.invalidParameterCombination("AccessString and AppendAccessString cannot be given together.");
    const engine = engineOf(input.Engine, false);
    const login = credentials(input, false);
    if (access === undefined && append === undefined && login === undefined && engine === undefined) {
      throw errors.invalidParameterValue("ModifyUser needs AccessString, AppendAccessString, Passwords, NoPasswordRequired, AuthenticationMode or Engine.");
    }
    if (userId === DEFAULT_USER_ID) throw errors.invalidParameterValue("The default user cannot be modified; create a user named default with another UserId.");
    const current = await this.requireUser(userId);
    this.requireActive(current);
    if (login) requireIamNames(login.authType, userId, current.userName);
    if (engine !== undefined && engine !== current.engine) {
      throw errors.invalidParameterValue(`Changing a user's Engine is not supported by elasticache-local (user ${userId} is ${current.engine}).`);
    }
    const user = await this.ctx.store.accessControl.modifyUser(userId, {
      accessString: append === undefined ? access : `${current.accessString} ${append}`,
      ...(login ?? {}),
    });
    this.ctx.controllers.kick();
    return this.toUser(user);
  }

  async deleteUser(input: InputOf<"DeleteUser">): Promise<OutputOf<"DeleteUser">> {
    const userId = rbacId(input.UserId, "UserId");
    if (userId === DEFAULT_USER_ID) throw errors.invalidParameterValue("The default user cannot be deleted.");
    const current = await this.requireUser(userId);
    if (current.userName === "default" && current.userGroupIds.length > 0) {
      throw new AwsError("DefaultUserAssociatedToUserGroup", `User ${userId} is the default user of user group ${current.userGroupIds[0]}; replace it there first.`);
    }
    this.requireActive(current);
    const user = await this.ctx.store.accessControl.deleteUser(userId, this.userArn(userId));
    this.ctx.controllers.kick();
    return this.toUser(user);
  }

  async describeUsers(input: InputOf<"DescribeUsers">): Promise<OutputOf<"DescribeUsers">> {
    const request = pageRequest(input);
    const engine = engineOf(input.Engine, false);
    let userId = input.UserId === undefined ? undefined : rbacId(input.UserId, "UserId");
    for (const filter of (input.Filters ?? []) as unknown[]) {
      const { Name, Values } = (filter ?? {}) as { Name?: unknown; Values?: unknown };
      if (Name !== "user-id") throw errors.invalidParameterValue(`Unknown filter ${String(Name)}: elasticache-local filters users by user-id.`);
      const values = rbacIds(Values, "Filters.Values") ?? [];
      if (values.length !== 1) throw errors.invalidParameterCombination("The user-id filter takes one value.");
      if (userId !== undefined && userId !== values[0]) throw errors.invalidParameterCombination("UserId and the user-id filter name different users.");
      userId = values[0];
    }
    const users = await this.ctx.store.accessControl.listUsers({ userId, engine });
    if (userId !== undefined && users.length === 0) throw new AwsError("UserNotFound", `User ${userId} not found.`);
    const result = page(users, (user) => user.userId, request);
    return { Marker: result.Marker, Users: result.items.map((user) => this.toUser(user)) };
  }

  async createUserGroup(input: InputOf<"CreateUserGroup">): Promise<OutputOf<"CreateUserGroup">> {
    const userGroupId = rbacId(input.UserGroupId, "UserGroupId");
    const engine = engineOf(input.Engine, true)!;
    const userIds = rbacIds(input.UserIds, "UserIds") ?? [];
    const tags = parseTags(input.Tags);
    requireGroupSize(userIds.length);
    const users = await this.requireUsers(userIds);
    requireGroupUsers(users);
    for (const user of users) requireEngineFits(engine, user);
    const group = await this.ctx.store.accessControl.createUserGroup({ userGroupId, engine, userIds }, tagsFor(this.groupArn(userGroupId), tags));
    this.ctx.controllers.kick();
    return this.toUserGroup(group);
  }

  async modifyUserGroup(input: InputOf<"ModifyUserGroup">): Promise<OutputOf<"ModifyUserGroup">> {
    const userGroupId = rbacId(input.UserGroupId, "UserGroupId");
    const add = rbacIds(input.UserIdsToAdd, "UserIdsToAdd") ?? [];
    const remove = rbacIds(input.UserIdsToRemove, "UserIdsToRemove") ?? [];
    const engine = engineOf(input.Engine, false);
    if (add.some((id) => remove.includes(id))) throw errors.invalidParameterCombination("A user cannot be both added and removed.");
    if (add.length === 0 && remove.length === 0 && engine === undefined) throw errors.invalidParameterValue("ModifyUserGroup needs UserIdsToAdd, UserIdsToRemove or Engine.");
    const current = await this.requireUserGroup(userGroupId);
    if (current.status !== "active") throw new AwsError("InvalidUserGroupState", `User group ${userGroupId} is ${current.status}; it can be modified when active.`);
    if (engine !== undefined && engine !== current.engine) throw errors.invalidParameterValue(`Changing a user group's Engine is not supported by elasticache-local.`);
    const missing = remove.find((id) => !current.userIds.includes(id));
    if (missing !== undefined) throw new AwsError("UserNotFound", `User ${missing} is not in user group ${userGroupId}.`);
    const adding = await this.requireUsers(add);
    for (const user of adding) requireEngineFits(current.engine, user);
    const after = [...current.userIds.filter((id) => !remove.includes(id)), ...add.filter((id) => !current.userIds.includes(id))];
    requireGroupSize(after.length);
    requireGroupUsers(await this.requireUsers(after));
    const group = await this.ctx.store.accessControl.modifyUserGroup(userGroupId, add, remove);
    this.ctx.controllers.kick();
    return this.toUserGroup(group);
  }

  async deleteUserGroup(input: InputOf<"DeleteUserGroup">): Promise<OutputOf<"DeleteUserGroup">> {
    const userGroupId = rbacId(input.UserGroupId, "UserGroupId");
    const current = await this.requireUserGroup(userGroupId);
    if (current.replicationGroupIds.length > 0) {
      throw new AwsError("InvalidUserGroupState", `User group ${userGroupId} is used by replication group ${current.replicationGroupIds[0]}; remove it there first.`);
    }
    if (current.status !== "active") throw new AwsError("InvalidUserGroupState", `User group ${userGroupId} is ${current.status}; it can be deleted when active.`);
    const group = await this.ctx.store.accessControl.deleteUserGroup(userGroupId, this.groupArn(userGroupId));
    this.ctx.controllers.kick();
    return this.toUserGroup(group);
  }

  async describeUserGroups(input: InputOf<"DescribeUserGroups">): Promise<OutputOf<"DescribeUserGroups">> {
    const request = pageRequest(input);
    const userGroupId = input.UserGroupId === undefined ? undefined : rbacId(input.UserGroupId, "UserGroupId");
    const groups = await this.ctx.store.accessControl.listUserGroups(userGroupId);
    if (userGroupId !== undefined && groups.length === 0) throw new AwsError("UserGroupNotFound", `User group ${userGroupId} not found.`);
    const result = page(groups, (group) => group.userGroupId, request);
    return { Marker: result.Marker, UserGroups: result.items.map((group) => this.toUserGroup(group)) };
  }

  /** The user group a replication group is to use: it exists, is active and suits the group's engine. */
  async requireUsableGroup(userGroupId: string, engine: string): Promise<RbacUserGroup> {
    const group = await this.requireUserGroup(userGroupId);
    if (group.status !== "active") throw new AwsError("InvalidUserGroupState", `User group ${userGroupId} is ${group.status}; it can be used when active.`);
    if (group.engine === "valkey" && engine !== "valkey") throw errors.invalidParameterCombination(`User group ${userGroupId} is for valkey; replication group engine is ${engine}.`);
    return group;
  }

  private async requireUser(userId: string): Promise<RbacUser> {
    const user = await this.ctx.store.accessControl.getUser(userId);
    if (!user) throw new AwsError("UserNotFound", `User ${userId} not found.`);
    return user;
  }

  private async requireUsers(userIds: string[]): Promise<RbacUser[]> {
    const users = await Promise.all(userIds.map((id) => this.requireUser(id)));
    const gone = users.find((user) => user.status === "deleting");
    if (gone) throw new AwsError("InvalidUserState", `User ${gone.userId} is being deleted.`);
    return users;
  }

  private async requireUserGroup(userGroupId: string): Promise<RbacUserGroup> {
    const [group] = await this.ctx.store.accessControl.listUserGroups(userGroupId);
    if (!group) throw new AwsError("UserGroupNotFound", `User group ${userGroupId} not found.`);
    return group;
  }

  private requireActive(user: RbacUser): void {
    if (user.status !== "active") throw new AwsError("InvalidUserState", `User ${user.userId} is ${user.status}; it can be changed when active.`);
  }

  private toUser(user: RbacUser): Aws.User {
    return {
      UserId: user.userId,
      UserName: user.userName,
      Status: user.status,
      Engine: user.engine,
      MinimumEngineVersion: MINIMUM_ENGINE_VERSION,
      AccessString: user.accessString,
      UserGroupIds: user.userGroupIds,
      Authentication: {
        Type: user.authType === "no-password-required" ? "no-password" : user.authType,
        PasswordCount: user.passwordHashes.length,
      },
      ARN: this.userArn(user.userId),
    };
  }

  private toUserGroup(group: RbacUserGroup): Aws.UserGroup {
    return {
      UserGroupId: group.userGroupId,
      Status: group.status,
      Engine: group.engine,
      UserIds: group.userIds,
      MinimumEngineVersion: MINIMUM_ENGINE_VERSION,
      ReplicationGroups: group.replicationGroupIds,
      ServerlessCaches: [],
      ARN: this.groupArn(group.userGroupId),
    };
  }
}
