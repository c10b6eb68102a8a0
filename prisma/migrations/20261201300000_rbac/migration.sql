-- RBAC: users, user groups and their members; the user group a replication group (and each of
-- its members) uses, with the compiled ACL users its nodes run. Existing rows get no user group.
ALTER TABLE "ReplicationGroup" ADD COLUMN "userGroupId" TEXT;
ALTER TABLE "ReplicationGroup" ADD COLUMN "accessControl" TEXT;
ALTER TABLE "CacheCluster" ADD COLUMN "userGroupId" TEXT;
ALTER TABLE "CacheCluster" ADD COLUMN "accessControl" TEXT;

CREATE TABLE "RbacUser" (
    "userId" TEXT NOT NULL PRIMARY KEY,
    "userName" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "accessString" TEXT NOT NULL,
    "authType" TEXT NOT NULL,
    "passwordHashes" TEXT NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "RbacUserGroup" (
    "userGroupId" TEXT NOT NULL PRIMARY KEY,
    "engine" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "RbacUserGroupMember" (
    "userGroupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    PRIMARY KEY ("userGroupId", "userId"),
    CONSTRAINT "RbacUserGroupMember_userGroupId_fkey" FOREIGN KEY ("userGroupId") REFERENCES "RbacUserGroup" ("userGroupId") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RbacUserGroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "RbacUser" ("userId") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "RbacUserGroupMember_userId_idx" ON "RbacUserGroupMember"("userId");
