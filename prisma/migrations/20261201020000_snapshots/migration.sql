-- Snapshots with real data files (one RDB per node group) and restore: a member cluster may name
-- the data file its node is first started from.
ALTER TABLE "CacheCluster" ADD COLUMN "dataFile" TEXT;

CREATE TABLE "Snapshot" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "replicationGroupId" TEXT,
    "replicationGroupDescription" TEXT,
    "cacheClusterId" TEXT,
    "engine" TEXT NOT NULL,
    "engineVersion" TEXT NOT NULL,
    "cacheNodeType" TEXT NOT NULL,
    "numCacheClusters" INTEGER NOT NULL,
    "port" INTEGER NOT NULL,
    "subnetGroupName" TEXT NOT NULL,
    "parameterGroupName" TEXT NOT NULL,
    "preferredAz" TEXT,
    "automaticFailover" BOOLEAN NOT NULL DEFAULT false,
    "snapshotRetentionLimit" INTEGER NOT NULL DEFAULT 0,
    "snapshotWindow" TEXT,
    "nodeGroups" TEXT NOT NULL DEFAULT '[]',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "Snapshot_replicationGroupId_idx" ON "Snapshot"("replicationGroupId");
CREATE INDEX "Snapshot_cacheClusterId_idx" ON "Snapshot"("cacheClusterId");
