-- Cache parameter groups: the user's groups and the values set in them; each cluster carries the
-- values of its group (what its nodes start with) and whether they are applied.
ALTER TABLE "CacheCluster" ADD COLUMN "parameters" TEXT NOT NULL DEFAULT '{}';
ALTER TABLE "CacheCluster" ADD COLUMN "parameterApplyStatus" TEXT NOT NULL DEFAULT 'in-sync';

CREATE TABLE "CacheParameterGroup" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "family" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "CacheParameter" (
    "groupName" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    PRIMARY KEY ("groupName", "name"),
    CONSTRAINT "CacheParameter_groupName_fkey" FOREIGN KEY ("groupName") REFERENCES "CacheParameterGroup" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);
