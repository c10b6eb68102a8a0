-- In-place change of transit encryption (ModifyReplicationGroup): what the nodes served before it, while it is applied.
ALTER TABLE "ReplicationGroup" ADD COLUMN "previousTransitMode" TEXT;
ALTER TABLE "CacheCluster" ADD COLUMN "previousTransitMode" TEXT;
