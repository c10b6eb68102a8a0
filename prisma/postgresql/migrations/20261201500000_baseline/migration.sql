-- CreateTable
CREATE TABLE "CacheSubnetGroup" (
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "vpcId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CacheSubnetGroup_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "Subnet" (
    "subnetId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,
    "availabilityZone" TEXT NOT NULL,

    CONSTRAINT "Subnet_pkey" PRIMARY KEY ("groupName","subnetId")
);

-- CreateTable
CREATE TABLE "ReplicationGroup" (
    "id" TEXT NOT NULL,
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
    "kmsKeyId" TEXT,
    "transitEncryption" BOOLEAN NOT NULL DEFAULT false,
    "transitEncryptionMode" TEXT,
    "authTokens" TEXT,
    "previousAuthTokens" TEXT,
    "authTokenLastModified" TIMESTAMP(3),
    "userGroupId" TEXT,
    "accessControl" TEXT,
    "snapshotRetentionLimit" INTEGER NOT NULL DEFAULT 0,
    "snapshotWindow" TEXT,
    "securityGroupIds" TEXT NOT NULL DEFAULT '[]',
    "clusterEnabled" BOOLEAN NOT NULL DEFAULT false,
    "configEndpointPort" INTEGER,
    "reshardTarget" TEXT,
    "reshardRemoving" TEXT,
    "reshardProgress" DOUBLE PRECISION,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplicationGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeGroup" (
    "replicationGroupId" TEXT NOT NULL,
    "nodeGroupId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "primaryEndpointPort" INTEGER,
    "readerEndpointPort" INTEGER,
    "slots" TEXT,
    "failoverPhase" TEXT,
    "failoverFrom" TEXT,
    "failoverTo" TEXT,
    "failoverTest" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "NodeGroup_pkey" PRIMARY KEY ("replicationGroupId","nodeGroupId")
);

-- CreateTable
CREATE TABLE "CacheCluster" (
    "id" TEXT NOT NULL,
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
    "transitEncryption" BOOLEAN NOT NULL DEFAULT false,
    "transitEncryptionMode" TEXT,
    "authTokens" TEXT,
    "previousAuthTokens" TEXT,
    "authTokenLastModified" TIMESTAMP(3),
    "userGroupId" TEXT,
    "accessControl" TEXT,
    "snapshotRetentionLimit" INTEGER NOT NULL DEFAULT 0,
    "snapshotWindow" TEXT,
    "securityGroupIds" TEXT NOT NULL DEFAULT '[]',
    "dataFile" TEXT,
    "parameters" TEXT NOT NULL DEFAULT '{}',
    "parameterApplyStatus" TEXT NOT NULL DEFAULT 'in-sync',
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CacheCluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CacheNode" (
    "clusterId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "desired" TEXT NOT NULL DEFAULT 'present',
    "hostPort" INTEGER NOT NULL,
    "busPort" INTEGER,
    "runtimeName" TEXT NOT NULL,
    "runtimeId" TEXT,
    "adminHost" TEXT,
    "adminPort" INTEGER,
    "peerHost" TEXT,
    "peerPort" INTEGER,
    "tlsPort" INTEGER,
    "tlsAdminHost" TEXT,
    "tlsAdminPort" INTEGER,
    "tlsPeerHost" TEXT,
    "tlsPeerPort" INTEGER,
    "az" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CacheNode_pkey" PRIMARY KEY ("clusterId","nodeId")
);

-- CreateTable
CREATE TABLE "PortAllocation" (
    "port" INTEGER NOT NULL,
    "owner" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortAllocation_pkey" PRIMARY KEY ("port")
);

-- CreateTable
CREATE TABLE "Event" (
    "id" SERIAL NOT NULL,
    "sourceIdentifier" TEXT NOT NULL,
    "sourceType" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "date" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tag" (
    "arn" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("arn","key")
);

-- CreateTable
CREATE TABLE "Installation" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Installation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Snapshot" (
    "name" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Snapshot_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "CacheParameterGroup" (
    "name" TEXT NOT NULL,
    "family" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CacheParameterGroup_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "CacheParameter" (
    "groupName" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "CacheParameter_pkey" PRIMARY KEY ("groupName","name")
);

-- CreateTable
CREATE TABLE "AutomaticBackup" (
    "sourceKind" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "sourceCreatedAt" TIMESTAMP(3) NOT NULL,
    "lastWindowStart" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AutomaticBackup_pkey" PRIMARY KEY ("sourceKind","sourceId")
);

-- CreateTable
CREATE TABLE "RbacUser" (
    "userId" TEXT NOT NULL,
    "userName" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "accessString" TEXT NOT NULL,
    "authType" TEXT NOT NULL,
    "passwordHashes" TEXT NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RbacUser_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "RbacUserGroup" (
    "userGroupId" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RbacUserGroup_pkey" PRIMARY KEY ("userGroupId")
);

-- CreateTable
CREATE TABLE "RbacUserGroupMember" (
    "userGroupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,

    CONSTRAINT "RbacUserGroupMember_pkey" PRIMARY KEY ("userGroupId","userId")
);

-- CreateIndex
CREATE INDEX "CacheCluster_replicationGroupId_nodeGroupId_idx" ON "CacheCluster"("replicationGroupId", "nodeGroupId");

-- CreateIndex
CREATE UNIQUE INDEX "CacheNode_hostPort_key" ON "CacheNode"("hostPort");

-- CreateIndex
CREATE UNIQUE INDEX "CacheNode_busPort_key" ON "CacheNode"("busPort");

-- CreateIndex
CREATE UNIQUE INDEX "CacheNode_runtimeName_key" ON "CacheNode"("runtimeName");

-- CreateIndex
CREATE UNIQUE INDEX "CacheNode_tlsPort_key" ON "CacheNode"("tlsPort");

-- CreateIndex
CREATE INDEX "PortAllocation_owner_idx" ON "PortAllocation"("owner");

-- CreateIndex
CREATE INDEX "Event_date_idx" ON "Event"("date");

-- CreateIndex
CREATE INDEX "Snapshot_replicationGroupId_idx" ON "Snapshot"("replicationGroupId");

-- CreateIndex
CREATE INDEX "Snapshot_cacheClusterId_idx" ON "Snapshot"("cacheClusterId");

-- CreateIndex
CREATE INDEX "RbacUserGroupMember_userId_idx" ON "RbacUserGroupMember"("userId");

-- AddForeignKey
ALTER TABLE "Subnet" ADD CONSTRAINT "Subnet_groupName_fkey" FOREIGN KEY ("groupName") REFERENCES "CacheSubnetGroup"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplicationGroup" ADD CONSTRAINT "ReplicationGroup_subnetGroupName_fkey" FOREIGN KEY ("subnetGroupName") REFERENCES "CacheSubnetGroup"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeGroup" ADD CONSTRAINT "NodeGroup_replicationGroupId_fkey" FOREIGN KEY ("replicationGroupId") REFERENCES "ReplicationGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CacheCluster" ADD CONSTRAINT "CacheCluster_replicationGroupId_fkey" FOREIGN KEY ("replicationGroupId") REFERENCES "ReplicationGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CacheCluster" ADD CONSTRAINT "CacheCluster_replicationGroupId_nodeGroupId_fkey" FOREIGN KEY ("replicationGroupId", "nodeGroupId") REFERENCES "NodeGroup"("replicationGroupId", "nodeGroupId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CacheCluster" ADD CONSTRAINT "CacheCluster_subnetGroupName_fkey" FOREIGN KEY ("subnetGroupName") REFERENCES "CacheSubnetGroup"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CacheNode" ADD CONSTRAINT "CacheNode_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CacheCluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CacheParameter" ADD CONSTRAINT "CacheParameter_groupName_fkey" FOREIGN KEY ("groupName") REFERENCES "CacheParameterGroup"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RbacUserGroupMember" ADD CONSTRAINT "RbacUserGroupMember_userGroupId_fkey" FOREIGN KEY ("userGroupId") REFERENCES "RbacUserGroup"("userGroupId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RbacUserGroupMember" ADD CONSTRAINT "RbacUserGroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "RbacUser"("userId") ON DELETE CASCADE ON UPDATE CASCADE;

