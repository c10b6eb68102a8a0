/**
 * RBAC's pure rules: AccessString words a node accepts (and passwords refused there), how a user
 * logs in (Passwords / NoPasswordRequired / AuthenticationMode and which go together), what a user
 * group must hold, and the ACL rules the nodes get for a user (off unless the access string says
 * on, passwords as SHA-256 digests, never the password itself).
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { codeOf } from "../helpers/aws-code.ts";
import { ADMIN_USER, aclRulesOf, aclUsersOf, compileUsers } from "../../src/domain/access-control.ts";
import { accessString, credentials, parseUserGroupIds, rbacId, requireEngineFits, requireGroupUsers, userName } from "../../src/elasticache/access-control-input.ts";

const PASSWORD = "a-password-0123456789";
const digest = createHash("sha256").update(PASSWORD).digest("hex");

describe("AccessString", () => {
  it.each(["on ~* +@all", "on ~app:* -@all +@read +get", "off ~x %R~logs:* &chan:* allkeys +client|id -@dangerous", "  on   ~a  "])("accepts %j", (text) => {
    expect(codeOf(() => accessString(text))).toBe("no error");
  });

  it.each(["on >secret ~*", "on #abc ~*", "on <secret", "on nopass", "reset on", "on ~* what", "", "   "])("refuses %j", (text) => {
    expect(codeOf(() => accessString(text))).toMatch(/^(InvalidParameterValue|MissingParameter) 400$/);
  });
});

describe("credentials", () => {
  it("takes Passwords, NoPasswordRequired or AuthenticationMode, keeping digests only", () => {
    expect(credentials({ Passwords: [PASSWORD] }, true)).toEqual({ authType: "password", passwordHashes: [digest] });
    expect(credentials({ NoPasswordRequired: true }, true)).toEqual({ authType: "no-password-required", passwordHashes: [] });
    expect(credentials({ AuthenticationMode: { Type: "password", Passwords: [PASSWORD] } }, true)).toEqual({ authType: "password", passwordHashes: [digest] });
    expect(credentials({ AuthenticationMode: { Type: "iam" } }, true)).toEqual({ authType: "iam", passwordHashes: [] });
    expect(credentials({}, false)).toBeUndefined();
  });

  it.each([
    [{ Passwords: [PASSWORD], NoPasswordRequired: true }, "InvalidParameterCombination 400"],
    [{ Passwords: [PASSWORD], AuthenticationMode: { Type: "password", Passwords: [PASSWORD] } }, "InvalidParameterCombination 400"],
    [{ AuthenticationMode: { Type: "password" } }, "InvalidParameterCombination 400"],
    [{ AuthenticationMode: { Type: "iam", Passwords: [PASSWORD] } }, "InvalidParameterCombination 400"],
    [{ AuthenticationMode: { Type: "certificate" } }, "InvalidParameterValue 400"],
    [{ Passwords: [] }, "InvalidParameterValue 400"],
    [{ Passwords: [PASSWORD, PASSWORD, PASSWORD] }, "InvalidParameterValue 400"],
    [{ Passwords: ["x".repeat(15)] }, "InvalidParameterValue 400"],
    [{ Passwords: ["x".repeat(129)] }, "InvalidParameterValue 400"],
    [{ Passwords: ["with a space 0123456789"] }, "InvalidParameterValue 400"],
    [{}, "InvalidParameterValue 400"],
  ])("refuses %j with %s", (input, code) => {
    expect(codeOf(() => credentials(input, true))).toBe(code);
  });
});

describe("ids, names and groups", () => {
  it("keeps ids lowercase and refuses bad ones", () => {
    expect(rbacId("App-1", "UserId")).toBe("app-1");
    expect(codeOf(() => rbacId("1app", "UserId"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => rbacId("app_1", "UserId"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => userName("two words"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => userName(ADMIN_USER))).toBe("InvalidParameterValue 400");
  });

  it("a group holds one user named default and no name twice", () => {
    expect(codeOf(() => requireGroupUsers([{ userId: "app", userName: "app" }]))).toBe("DefaultUserRequired 400");
    expect(codeOf(() => requireGroupUsers([{ userId: "default", userName: "default" }, { userId: "d2", userName: "default" }]))).toBe("DuplicateUserName 400");
    expect(codeOf(() => requireGroupUsers([{ userId: "default", userName: "default" }, { userId: "app", userName: "app" }]))).toBe("no error");
  });

  it("a valkey group takes redis users with passwords, a redis group no valkey user", () => {
    expect(codeOf(() => requireEngineFits("valkey", { userId: "u", engine: "redis", authType: "password" }))).toBe("no error");
    expect(codeOf(() => requireEngineFits("valkey", { userId: "u", engine: "redis", authType: "no-password-required" }))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => requireEngineFits("redis", { userId: "u", engine: "valkey", authType: "password" }))).toBe("InvalidParameterValue 400");
  });

  it("UserGroupIds: one group, with transit encryption, without an AuthToken", () => {
    const transit = { transitEncryption: true, authTokens: [] };
    expect(parseUserGroupIds(["Apps"], "UserGroupIds", transit)).toBe("apps");
    expect(parseUserGroupIds([], "UserGroupIds", transit)).toBeUndefined();
    expect(codeOf(() => parseUserGroupIds(["a", "b"], "UserGroupIds", transit))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseUserGroupIds(["a"], "UserGroupIds", undefined))).toBe("InvalidParameterCombination 400");
    expect(codeOf(() => parseUserGroupIds(["a"], "UserGroupIds", { transitEncryption: true, authTokens: ["t".repeat(16)] }))).toBe("InvalidParameterCombination 400");
  });
});

describe("ACL rules of the nodes", () => {
  const user = { userName: "app", accessString: "~app:* +@all", authType: "password" as const, passwordHashes: [digest] };

  it("a user is off unless its access string says on; passwords go as digests", () => {
    expect(aclRulesOf(user)).toEqual(["off", `#${digest}`, "~app:*", "+@all"]);
    expect(aclRulesOf({ ...user, accessString: "on ~app:*" })).toEqual([`#${digest}`, "on", "~app:*"]);
    expect(aclRulesOf({ ...user, authType: "no-password-required", passwordHashes: [] })).toEqual(["off", "nopass", "~app:*", "+@all"]);
    // An IAM user has neither a password nor nopass: it cannot log in here.
    expect(aclRulesOf({ ...user, authType: "iam", passwordHashes: [] })).toEqual(["off", "~app:*", "+@all"]);
    expect(aclRulesOf(user).join(" ")).not.toContain(PASSWORD);
  });

  it("the nodes get the group's users (not those being deleted) and the control plane's", () => {
    const users = compileUsers([
      { ...user, userId: "app", status: "active" },
      { ...user, userId: "gone", userName: "gone", status: "deleting" },
      { ...user, userId: "default", userName: "default", accessString: "on ~* +@all", authType: "no-password-required", passwordHashes: [], status: "active" },
    ]);
    expect(users.map((entry) => entry.name)).toEqual(["app", "default"]);
    const nodes = aclUsersOf({ userGroupId: "apps", adminPassword: "p".repeat(32), users })!;
    expect([...nodes.keys()]).toEqual(["app", "default", ADMIN_USER]);
    expect(nodes.get(ADMIN_USER)).toEqual(["on", `>${"p".repeat(32)}`, "~*", "&*", "+@all"]);
    expect(aclUsersOf({ adminPassword: "p", users: [] })).toBeUndefined();
  });
});
