-- SecurityGroupIds of replication groups and cache clusters, echoed back as AWS does (JSON arrays).
ALTER TABLE "ReplicationGroup" ADD COLUMN "securityGroupIds" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "CacheCluster" ADD COLUMN "securityGroupIds" TEXT NOT NULL DEFAULT '[]';
