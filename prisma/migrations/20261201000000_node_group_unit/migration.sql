-- The node group (shard) becomes the unit: it holds its primary and reader endpoint ports and
-- its failover record (carried over from the replication group's columns). Versions for
-- conditional writes; subnet groups referenced by foreign keys; a member belongs to its node
-- group. Removed: columns nothing ever set (clusterMode, transitEncryption, authToken, pending,
-- slots), what is derived from the members (primaryClusterId, CacheNode.healthy), and the unused
-- Snapshot, User and UserGroup tables.
-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "Snapshot";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "User";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "UserGroup";
PRAGMA foreign_keys=on;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_NodeGroup" (
    "replicationGroupId" TEXT NOT NULL,
    "nodeGroupId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "primaryEndpointPort" INTEGER,
    "readerEndpointPort" INTEGER,
    "failoverPhase" TEXT,
    "failoverFrom" TEXT,
    "failoverTo" TEXT,
    "failoverTest" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("replicationGroupId", "nodeGroupId"),
    CONSTRAINT "NodeGroup_replicationGroupId_fkey" FOREIGN KEY ("replicationGroupId") REFERENCES "ReplicationGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- The endpoint ports and the failover record move from the group to its node group.
INSERT INTO "new_NodeGroup" ("replicationGroupId", "nodeGroupId", "status", "primaryEndpointPort", "readerEndpointPort", "failoverPhase", "failoverFrom", "failoverTo", "failoverTest")
SELECT ng."replicationGroupId", ng."nodeGroupId", ng."status", rg."primaryEndpointPort", rg."readerEndpointPort",
       json_extract(rg."failover", '$.phase'), json_extract(rg."failover", '$.from'), json_extract(rg."failover", '$.to'),
       COALESCE(json_extract(rg."failover", '$.test'), 0)
FROM "NodeGroup" ng JOIN "ReplicationGroup" rg ON rg."id" = ng."replicationGroupId";
DROP TABLE "NodeGroup";
ALTER TABLE "new_NodeGroup" RENAME TO "NodeGroup";
CREATE TABLE "new_ReplicationGroup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "description" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "engineVersion" TEXT NOT NULL,
    "cacheNodeType" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "subnetGroupName" TEXT NOT NULL,
    "parameterGroupName" TEXT NOT NULL,
    "automaticFailover" BOOLEAN NOT NULL,
    "multiAz" BOOLEAN NOT NULL,
    "atRestEncryption" BOOLEAN NOT NULL DEFAULT false,
    "snapshotRetentionLimit" INTEGER NOT NULL DEFAULT 0,
    "snapshotWindow" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ReplicationGroup_subnetGroupName_fkey" FOREIGN KEY ("subnetGroupName") REFERENCES "CacheSubnetGroup" ("name") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ReplicationGroup" ("atRestEncryption", "automaticFailover", "cacheNodeType", "createdAt", "description", "engine", "engineVersion", "id", "multiAz", "parameterGroupName", "port", "snapshotRetentionLimit", "snapshotWindow", "status", "subnetGroupName", "updatedAt") SELECT "atRestEncryption", "automaticFailover", "cacheNodeType", "createdAt", "description", "engine", "engineVersion", "id", "multiAz", "parameterGroupName", "port", "snapshotRetentionLimit", "snapshotWindow", "status", "subnetGroupName", "updatedAt" FROM "ReplicationGroup";
DROP TABLE "ReplicationGroup";
ALTER TABLE "new_ReplicationGroup" RENAME TO "ReplicationGroup";
CREATE TABLE "new_CacheCluster" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "replicationGroupId" TEXT,
    "nodeGroupId" TEXT,
    "status" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "engineVersion" TEXT NOT NULL,
    "cacheNodeType" TEXT NOT NULL,
    "numCacheNodes" INTEGER NOT NULL,
    "port" INTEGER NOT NULL,
    "subnetGroupName" TEXT NOT NULL,
    "parameterGroupName" TEXT NOT NULL,
    "preferredAz" TEXT NOT NULL,
    "role" TEXT,
    "configEndpointPort" INTEGER,
    "configVersion" INTEGER NOT NULL DEFAULT 1,
    "snapshotRetentionLimit" INTEGER NOT NULL DEFAULT 0,
    "snapshotWindow" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "CacheCluster_replicationGroupId_fkey" FOREIGN KEY ("replicationGroupId") REFERENCES "ReplicationGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CacheCluster_replicationGroupId_nodeGroupId_fkey" FOREIGN KEY ("replicationGroupId", "nodeGroupId") REFERENCES "NodeGroup" ("replicationGroupId", "nodeGroupId") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CacheCluster_subnetGroupName_fkey" FOREIGN KEY ("subnetGroupName") REFERENCES "CacheSubnetGroup" ("name") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_CacheCluster" ("cacheNodeType", "configEndpointPort", "configVersion", "createdAt", "engine", "engineVersion", "id", "nodeGroupId", "numCacheNodes", "parameterGroupName", "port", "preferredAz", "replicationGroupId", "role", "snapshotRetentionLimit", "snapshotWindow", "status", "subnetGroupName", "updatedAt") SELECT "cacheNodeType", "configEndpointPort", "configVersion", "createdAt", "engine", "engineVersion", "id", "nodeGroupId", "numCacheNodes", "parameterGroupName", "port", "preferredAz", "replicationGroupId", "role", "snapshotRetentionLimit", "snapshotWindow", "status", "subnetGroupName", "updatedAt" FROM "CacheCluster";
DROP TABLE "CacheCluster";
ALTER TABLE "new_CacheCluster" RENAME TO "CacheCluster";
CREATE INDEX "CacheCluster_replicationGroupId_nodeGroupId_idx" ON "CacheCluster"("replicationGroupId", "nodeGroupId");
CREATE TABLE "new_CacheNode" (
    "clusterId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "desired" TEXT NOT NULL DEFAULT 'present',
    "hostPort" INTEGER NOT NULL,
    "runtimeName" TEXT NOT NULL,
    "runtimeId" TEXT,
    "adminHost" TEXT,
    "adminPort" INTEGER,
    "peerHost" TEXT,
    "peerPort" INTEGER,
    "az" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("clusterId", "nodeId"),
    CONSTRAINT "CacheNode_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CacheCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_CacheNode" ("adminHost", "adminPort", "az", "clusterId", "createdAt", "desired", "hostPort", "nodeId", "peerHost", "peerPort", "runtimeId", "runtimeName", "status") SELECT "adminHost", "adminPort", "az", "clusterId", "createdAt", "desired", "hostPort", "nodeId", "peerHost", "peerPort", "runtimeId", "runtimeName", "status" FROM "CacheNode";
DROP TABLE "CacheNode";
ALTER TABLE "new_CacheNode" RENAME TO "CacheNode";
CREATE UNIQUE INDEX "CacheNode_hostPort_key" ON "CacheNode"("hostPort");
CREATE UNIQUE INDEX "CacheNode_runtimeName_key" ON "CacheNode"("runtimeName");
-- Port owners name what owns the port: a node group's endpoints and a cluster's configuration
-- endpoint no longer share the "endpoint:<id>:" prefix (a group and a cluster may share an id).
UPDATE "PortAllocation" SET "owner" = (
  SELECT 'nodegroup:' || ng."replicationGroupId" || '/' || ng."nodeGroupId" || ':primary' FROM "NodeGroup" ng
  WHERE 'endpoint:' || ng."replicationGroupId" || ':primary' = "PortAllocation"."owner"
) WHERE "owner" LIKE 'endpoint:%:primary' AND EXISTS (
  SELECT 1 FROM "NodeGroup" ng WHERE 'endpoint:' || ng."replicationGroupId" || ':primary' = "PortAllocation"."owner"
);
UPDATE "PortAllocation" SET "owner" = (
  SELECT 'nodegroup:' || ng."replicationGroupId" || '/' || ng."nodeGroupId" || ':reader' FROM "NodeGroup" ng
  WHERE 'endpoint:' || ng."replicationGroupId" || ':reader' = "PortAllocation"."owner"
) WHERE "owner" LIKE 'endpoint:%:reader' AND EXISTS (
  SELECT 1 FROM "NodeGroup" ng WHERE 'endpoint:' || ng."replicationGroupId" || ':reader' = "PortAllocation"."owner"
);
UPDATE "PortAllocation" SET "owner" = 'cluster:' || substr("owner", 10) WHERE "owner" LIKE 'endpoint:%:configuration';
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

