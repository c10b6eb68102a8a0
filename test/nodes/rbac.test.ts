/**
 * RBAC users and user groups on real Redis nodes, with both runtimes. Users and a user group are
 * made with the AWS CLI and the AWS SDK; a TLS group using the user group has them as Redis ACL
 * users on every node: a user restricted to `~app:*` reads and writes its keys only (redis-cli
 * --tls --user, ioredis), the group's `default` user is off so an anonymous client must log in, a
 * password change takes effect on every node, a deleted user can no longer log in, a failover and
 * a replica added later keep the users, and a group moves from an AUTH token to the user group and
 * back. Refused inputs answer AWS's codes and statuses.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { awsCli } from "../helpers/clients.ts";
import { downloadCa, endpointsOf, runtimesUnderTest, startNodeServer, type Endpoint, type NodeServer } from "../helpers/nodes.ts";

const run = promisify(execFile);
const RUNTIMES = await runtimesUnderTest();
const APP_PASSWORD = "app-password-0123456789";
const APP_NEW_PASSWORD = "app-password-9876543210";
const OPS_PASSWORD = "ops-password-0123456789";
const TOKEN = "group-token-0123456789";

/** redis-cli over TLS verified with the CA, logged in as `user` (none: anonymous); its reply or error as text. */
async function redisCli(caFile: string, endpoint: Endpoint, user: [string, string] | undefined, ...command: string[]): Promise<string> {
  const auth = user === undefined ? [] : ["--no-auth-warning", "--user", user[0], "--pass", user[1]];
  const { stdout, stderr } = await run("redis-cli", ["--tls", "--cacert", caFile, "-h", endpoint.Address, "-p", String(endpoint.Port), ...auth, ...command], {
    timeout: 10_000,
  }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? "", stderr: error.stderr ?? "" }));
  return `${stdout}${stderr}`.trim();
}

const clients: Redis[] = [];
function tlsClient(ca: string, endpoint: Endpoint, username: string, password: string): Redis {
  const client = new Redis({ host: endpoint.Address, port: endpoint.Port, tls: { ca }, username, password, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}

afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe.each(RUNTIMES)("RBAC users and user groups (%s runtime)", (runtime) => {
  let node: NodeServer;
  let ca: string;
  let caFile: string;
  const id = "rbac";
  const app: [string, string] = ["app", APP_PASSWORD];

  /** Every endpoint of the group: primary, reader and each member's. */
  const allEndpoints = async (groupId = id) => {
    const { primary, reader, members } = endpointsOf(await node.api.group(groupId));
    return [primary, reader, ...Object.values(members).map((member) => member.endpoint)];
  };
  const userStatus = async (userId: string) => (await node.api.send("DescribeUsers", { UserId: userId })).Users[0].Status;
  const groupStatus = async (userGroupId: string) => (await node.api.send("DescribeUserGroups", { UserGroupId: userGroupId })).UserGroups[0].Status;
  const codeOf = (operation: string, input: Record<string, unknown>) =>
    node.api.send(operation, input).then(
      () => "no error",
      (error: { code: string; status?: number }) => `${error.code} ${error.status}`,
    );

  beforeAll(async () => {
    node = await startNodeServer(runtime, { tag: "rbac" });
    ({ ca, caFile } = await downloadCa(node));
  });
  afterAll(() => node?.destroy());

  it("creates users and a user group with the AWS CLI and the SDK, as AWS describes them", async () => {
    const created = await awsCli(node.server.url, "CreateUser", {
      UserId: "app",
      UserName: "app",
      Engine: "redis",
      AccessString: "on ~app:* +@all",
      Passwords: [APP_PASSWORD],
    });
    expect(created).toMatchObject({ UserId: "app", UserName: "app", Status: "active", Engine: "redis", AccessString: "on ~app:* +@all", Authentication: { Type: "password", PasswordCount: 1 } });
    expect(created.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:user:app");
    await node.api.send("CreateUser", { UserId: "ops", UserName: "ops", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "password", Passwords: [OPS_PASSWORD] } });
    // The group's default user is off: an anonymous client must log in.
    await node.api.send("CreateUser", { UserId: "locked-default", UserName: "default", Engine: "redis", AccessString: "off ~* +@all", NoPasswordRequired: true });
    const { Users } = await awsCli(node.server.url, "DescribeUsers", {});
    expect(Users.map((user: { UserId: string }) => user.UserId)).toEqual(["app", "default", "locked-default", "ops"]);
    expect(Users.find((user: { UserId: string }) => user.UserId === "default")).toMatchObject({ UserName: "default", AccessString: "on ~* &* +@all", Authentication: { Type: "no-password" } });

    const group = await awsCli(node.server.url, "CreateUserGroup", { UserGroupId: "apps", Engine: "redis", UserIds: ["locked-default", "app", "ops"] });
    expect(group).toMatchObject({ UserGroupId: "apps", Status: "creating", Engine: "redis", ReplicationGroups: [] });
    await eventually(async () => (await groupStatus("apps")) === "active", 30_000, "user group active");
    const { UserGroups } = await node.api.send("DescribeUserGroups", { UserGroupId: "apps" });
    expect(UserGroups[0].UserIds).toEqual(["app", "locked-default", "ops"]);
    expect((await node.api.send("DescribeUsers", { UserId: "app" })).Users[0].UserGroupIds).toEqual(["apps"]);
  });

  it("creates a TLS group with the user group (SDK): every node has the users", async () => {
    await node.api.send("CreateReplicationGroup", {
      ReplicationGroupId: id,
      ReplicationGroupDescription: "rbac",
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      UserGroupIds: ["apps"],
    });
    const group = await node.api.waitGroup(id);
    expect(group).toMatchObject({ UserGroupIds: ["apps"], TransitEncryptionEnabled: true, AuthTokenEnabled: false });
    expect((await node.api.send("DescribeUserGroups", { UserGroupId: "apps" })).UserGroups[0].ReplicationGroups).toEqual([id]);
  });

  it("a user restricted to ~app:* reads and writes its keys only, on every endpoint (redis-cli, ioredis)", async () => {
    const { primary } = endpointsOf(await node.api.group(id));
    expect(await redisCli(caFile, primary, ["ops", OPS_PASSWORD], "SET", "other", "secret")).toBe("OK");
    expect(await redisCli(caFile, primary, app, "SET", "app:1", "mine")).toBe("OK");
    for (const endpoint of await allEndpoints()) {
      await eventually(async () => (await redisCli(caFile, endpoint, app, "GET", "app:1")) === "mine", 10_000, "replicated");
      expect(await redisCli(caFile, endpoint, app, "GET", "other")).toMatch(/NOPERM/);
      expect(await redisCli(caFile, endpoint, undefined, "GET", "app:1")).toMatch(/NOAUTH/);
      const client = tlsClient(ca, endpoint, "app", APP_PASSWORD);
      await client.connect();
      expect(await client.get("app:1")).toBe("mine");
      await expect(client.get("other")).rejects.toThrow(/NOPERM/);
    }
  });

  it("a password change takes effect on every node; the old password is refused", async () => {
    const modified = await node.api.send("ModifyUser", { UserId: "app", Passwords: [APP_NEW_PASSWORD] });
    expect(modified.Status).toBe("modifying");
    await eventually(async () => (await userStatus("app")) === "active", 30_000, "user active");
    await node.api.waitGroup(id);
    for (const endpoint of await allEndpoints()) {
      expect(await redisCli(caFile, endpoint, app, "PING")).toMatch(/WRONGPASS/);
      expect(await redisCli(caFile, endpoint, ["app", APP_NEW_PASSWORD], "GET", "app:1")).toBe("mine");
    }
    app[1] = APP_NEW_PASSWORD;
  });

  it("fails over: the promoted replica and the recovered old primary keep the users", async () => {
    const before = endpointsOf(await node.api.group(id));
    const oldPrimary = Object.keys(before.members).find((member) => before.members[member].role === "primary")!;
    await node.api.send("TestFailover", { ReplicationGroupId: id, NodeGroupId: "0001" });
    await eventually(async () => (await node.api.events("cache-cluster", oldPrimary)).some((event) => event.Message.startsWith("Finished recovery")), 60_000, "old primary recovered");
    const after = endpointsOf(await node.api.waitGroup(id));
    expect(after.members[oldPrimary].role).toBe("replica");
    expect(await redisCli(caFile, after.primary, app, "SET", "app:2", "after-failover")).toBe("OK");
    const recovered = after.members[oldPrimary].endpoint;
    await eventually(async () => (await redisCli(caFile, recovered, app, "GET", "app:2")) === "after-failover", 10_000, "recovered replica follows");
    expect(await redisCli(caFile, recovered, app, "GET", "other")).toMatch(/NOPERM/);
  });

  it("a replica added later has the users and replicates as the control plane's user", async () => {
    await node.api.send("IncreaseReplicaCount", { ReplicationGroupId: id, NewReplicaCount: 2, ApplyImmediately: true });
    const { members } = endpointsOf(await node.api.waitGroup(id));
    const added = members[`${id}-003`].endpoint;
    expect(await redisCli(caFile, added, app, "GET", "app:1")).toBe("mine");
    expect(await redisCli(caFile, added, app, "GET", "other")).toMatch(/NOPERM/);
    expect(await redisCli(caFile, added, ["ops", OPS_PASSWORD], "INFO", "replication")).toMatch(/master_link_status:up/);
  });

  it("a user removed from the group and a deleted user can no longer log in", async () => {
    await node.api.send("ModifyUserGroup", { UserGroupId: "apps", UserIdsToRemove: ["ops"] });
    await eventually(async () => (await groupStatus("apps")) === "active", 30_000, "user group active");
    for (const endpoint of await allEndpoints()) expect(await redisCli(caFile, endpoint, ["ops", OPS_PASSWORD], "PING")).toMatch(/WRONGPASS/);

    const deleted = await awsCli(node.server.url, "DeleteUser", { UserId: "app" });
    expect(deleted.Status).toBe("deleting");
    await eventually(async () => (await codeOf("DescribeUsers", { UserId: "app" })) === "UserNotFound 404", 30_000, "user gone");
    await node.api.waitGroup(id);
    for (const endpoint of await allEndpoints()) expect(await redisCli(caFile, endpoint, app, "PING")).toMatch(/WRONGPASS/);
    expect((await node.api.send("DescribeUserGroups", { UserGroupId: "apps" })).UserGroups[0].UserIds).toEqual(["locked-default"]);
  });

  it("moves a group from an AUTH token to a user group (DELETE) and back (ROTATE)", async () => {
    await node.api.send("CreateUser", { UserId: "app2", UserName: "app2", Engine: "redis", AccessString: "on ~app:* +@all", Passwords: [APP_PASSWORD] });
    await node.api.send("ModifyUserGroup", { UserGroupId: "apps", UserIdsToAdd: ["app2"] });
    await eventually(async () => (await groupStatus("apps")) === "active", 30_000, "user group active");
    await node.api.send("CreateReplicationGroup", {
      ReplicationGroupId: "moving",
      ReplicationGroupDescription: "auth then rbac",
      NumCacheClusters: 2,
      TransitEncryptionEnabled: true,
      AuthToken: TOKEN,
    });
    await node.api.waitGroup("moving");
    const { primary } = endpointsOf(await node.api.group("moving"));
    expect(await redisCli(caFile, primary, ["default", TOKEN], "SET", "app:moving", "1")).toBe("OK");

    await node.api.send("ModifyReplicationGroup", { ReplicationGroupId: "moving", UserGroupIdsToAdd: ["apps"], AuthTokenUpdateStrategy: "DELETE", ApplyImmediately: true });
    const rbac = await node.api.waitGroup("moving");
    expect(rbac).toMatchObject({ UserGroupIds: ["apps"], AuthTokenEnabled: false });
    for (const endpoint of await allEndpoints("moving")) {
      expect(await redisCli(caFile, endpoint, ["default", TOKEN], "PING")).toMatch(/WRONGPASS|NOAUTH|disabled/);
      await eventually(async () => (await redisCli(caFile, endpoint, ["app2", APP_PASSWORD], "GET", "app:moving")) === "1", 10_000, "app2 reads");
    }

    await node.api.send("ModifyReplicationGroup", { ReplicationGroupId: "moving", UserGroupIdsToRemove: ["apps"], AuthToken: TOKEN, AuthTokenUpdateStrategy: "ROTATE", ApplyImmediately: true });
    const back = await node.api.waitGroup("moving");
    expect(back).toMatchObject({ UserGroupIds: [], AuthTokenEnabled: true });
    for (const endpoint of await allEndpoints("moving")) {
      expect(await redisCli(caFile, endpoint, ["app2", APP_PASSWORD], "PING")).toMatch(/WRONGPASS/);
      expect(await redisCli(caFile, endpoint, ["default", TOKEN], "GET", "app:moving")).toBe("1");
    }
    const replica = Object.values(endpointsOf(back).members).find((member) => member.role === "replica")!.endpoint;
    expect(await redisCli(caFile, replica, ["default", TOKEN], "INFO", "replication")).toMatch(/master_link_status:up/);
  });

  it("refuses what AWS refuses, with its codes and statuses (SDK)", async () => {
    const user = { UserId: "bad", UserName: "bad", Engine: "redis", AccessString: "on ~* +@all" };
    expect(await codeOf("CreateUser", { ...user, Passwords: ["short"] })).toBe("InvalidParameterValue 400");
    expect(await codeOf("CreateUser", { ...user, Passwords: ["a-password-0123456789", "b-password-0123456789", "c-password-0123456789"] })).toBe("InvalidParameterValue 400");
    expect(await codeOf("CreateUser", { ...user, AccessString: "on >secret-in-rules ~*", NoPasswordRequired: true })).toBe("InvalidParameterValue 400");
    expect(await codeOf("CreateUser", { ...user, AccessString: "on ~* what", NoPasswordRequired: true })).toBe("InvalidParameterValue 400");
    expect(await codeOf("CreateUser", { ...user, Passwords: ["a-password-0123456789"], NoPasswordRequired: true })).toBe("InvalidParameterCombination 400");
    expect(await codeOf("CreateUser", { ...user, NoPasswordRequired: true, AuthenticationMode: { Type: "iam" } })).toBe("InvalidParameterCombination 400");
    expect(await codeOf("CreateUser", { ...user })).toBe("InvalidParameterValue 400");
    expect(await codeOf("CreateUser", { ...user, Engine: "memcached", NoPasswordRequired: true })).toBe("InvalidParameterValue 400");
    expect(await codeOf("CreateUser", { ...user, UserId: "1bad", NoPasswordRequired: true })).toBe("InvalidParameterValue 400");
    expect(await codeOf("CreateUser", { ...user, UserId: "locked-default", NoPasswordRequired: true })).toBe("UserAlreadyExists 400");
    expect(await codeOf("ModifyUser", { UserId: "default", AccessString: "on ~* -@all" })).toBe("InvalidParameterValue 400");
    expect(await codeOf("ModifyUser", { UserId: "nobody", AccessString: "on ~* -@all" })).toBe("UserNotFound 404");
    expect(await codeOf("DeleteUser", { UserId: "default" })).toBe("InvalidParameterValue 400");
    expect(await codeOf("DeleteUser", { UserId: "locked-default" })).toBe("DefaultUserAssociatedToUserGroup 400");
    expect(await codeOf("DescribeUsers", { UserId: "nobody" })).toBe("UserNotFound 404");
    expect(await codeOf("CreateUserGroup", { UserGroupId: "nodefault", Engine: "redis", UserIds: ["app2"] })).toBe("DefaultUserRequired 400");
    expect(await codeOf("CreateUserGroup", { UserGroupId: "twodefaults", Engine: "redis", UserIds: ["default", "locked-default"] })).toBe("DuplicateUserName 400");
    expect(await codeOf("CreateUserGroup", { UserGroupId: "ghost", Engine: "redis", UserIds: ["default", "nobody"] })).toBe("UserNotFound 404");
    expect(await codeOf("CreateUserGroup", { UserGroupId: "apps", Engine: "redis", UserIds: ["default"] })).toBe("UserGroupAlreadyExists 400");
    expect(await codeOf("ModifyUserGroup", { UserGroupId: "apps", UserIdsToRemove: ["locked-default"] })).toBe("DefaultUserRequired 400");
    expect(await codeOf("ModifyUserGroup", { UserGroupId: "nogroup", UserIdsToAdd: ["app2"] })).toBe("UserGroupNotFound 404");
    expect(await codeOf("DeleteUserGroup", { UserGroupId: "apps" })).toBe("InvalidUserGroupState 400");
    expect(await codeOf("DescribeUserGroups", { UserGroupId: "nogroup" })).toBe("UserGroupNotFound 404");
    const group = { ReplicationGroupId: "refused", ReplicationGroupDescription: "x" };
    expect(await codeOf("CreateReplicationGroup", { ...group, UserGroupIds: ["apps"] })).toBe("InvalidParameterCombination 400");
    expect(await codeOf("CreateReplicationGroup", { ...group, TransitEncryptionEnabled: true, AuthToken: TOKEN, UserGroupIds: ["apps"] })).toBe("InvalidParameterCombination 400");
    expect(await codeOf("CreateReplicationGroup", { ...group, TransitEncryptionEnabled: true, UserGroupIds: ["nogroup"] })).toBe("UserGroupNotFound 404");
    expect(await codeOf("ModifyReplicationGroup", { ReplicationGroupId: id, AuthToken: TOKEN, ApplyImmediately: true })).toBe("InvalidParameterCombination 400");
    expect(await codeOf("ModifyReplicationGroup", { ReplicationGroupId: id, UserGroupIdsToRemove: ["other"], ApplyImmediately: true })).toBe("InvalidParameterValue 400");
    expect(await node.api.groupExists("refused")).toBe(false);
  });
});
