-- CreateTable
CREATE TABLE "CacheSubnetGroup" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "description" TEXT NOT NULL,
    "vpcId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Subnet" (
    "subnetId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,
    "availabilityZone" TEXT NOT NULL,

    PRIMARY KEY ("groupName", "subnetId"),
    CONSTRAINT "Subnet_groupName_fkey" FOREIGN KEY ("groupName") REFERENCES "CacheSubnetGroup" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ReplicationGroup" (
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
    "clusterMode" BOOLEAN NOT NULL DEFAULT false,
    "transitEncryption" BOOLEAN NOT NULL DEFAULT false,
    "atRestEncryption" BOOLEAN NOT NULL DEFAULT false,
    "authToken" TEXT,
    "snapshotRetentionLimit" INTEGER NOT NULL DEFAULT 0,
    "snapshotWindow" TEXT,
    "primaryClusterId" TEXT,
    "primaryEndpointPort" INTEGER,
    "readerEndpointPort" INTEGER,
    "pending" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "NodeGroup" (
    "replicationGroupId" TEXT NOT NULL,
    "nodeGroupId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "slots" TEXT,

    PRIMARY KEY ("replicationGroupId", "nodeGroupId"),
    CONSTRAINT "NodeGroup_replicationGroupId_fkey" FOREIGN KEY ("replicationGroupId") REFERENCES "ReplicationGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CacheCluster" (
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
    "authToken" TEXT,
    "transitEncryption" BOOLEAN NOT NULL DEFAULT false,
    "snapshotRetentionLimit" INTEGER NOT NULL DEFAULT 0,
    "snapshotWindow" TEXT,
    "pending" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "CacheCluster_replicationGroupId_fkey" FOREIGN KEY ("replicationGroupId") REFERENCES "ReplicationGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CacheNode" (
    "clusterId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "desired" TEXT NOT NULL DEFAULT 'present',
    "hostPort" INTEGER NOT NULL,
    "runtimeName" TEXT NOT NULL,
    "runtimeId" TEXT,
    "healthy" BOOLEAN NOT NULL DEFAULT false,
    "az" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("clusterId", "nodeId"),
    CONSTRAINT "CacheNode_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CacheCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PortAllocation" (
    "port" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "owner" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sourceIdentifier" TEXT NOT NULL,
    "sourceType" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "date" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Tag" (
    "arn" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    PRIMARY KEY ("arn", "key")
);

-- CreateTable
CREATE TABLE "Snapshot" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "replicationGroupId" TEXT,
    "cacheClusterId" TEXT,
    "engine" TEXT NOT NULL,
    "engineVersion" TEXT NOT NULL,
    "cacheNodeType" TEXT NOT NULL,
    "dataPath" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userName" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "accessString" TEXT NOT NULL,
    "passwords" TEXT NOT NULL,
    "noPassword" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "UserGroup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "engine" TEXT NOT NULL,
    "userIds" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "CacheCluster_replicationGroupId_idx" ON "CacheCluster"("replicationGroupId");

-- CreateIndex
CREATE UNIQUE INDEX "CacheNode_hostPort_key" ON "CacheNode"("hostPort");

-- CreateIndex
CREATE UNIQUE INDEX "CacheNode_runtimeName_key" ON "CacheNode"("runtimeName");

-- CreateIndex
CREATE INDEX "PortAllocation_owner_idx" ON "PortAllocation"("owner");

-- CreateIndex
CREATE INDEX "Event_date_idx" ON "Event"("date");

