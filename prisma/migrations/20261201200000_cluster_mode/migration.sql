-- Cluster mode enabled: a group says whether it runs Redis Cluster and where its configuration
-- endpoint listens, and an online resharding in progress; a node group records its hash slots; a
-- node its cluster bus port.
ALTER TABLE "ReplicationGroup" ADD COLUMN "clusterEnabled" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "ReplicationGroup" ADD COLUMN "configEndpointPort" INTEGER;
ALTER TABLE "ReplicationGroup" ADD COLUMN "reshardTarget" TEXT;
ALTER TABLE "ReplicationGroup" ADD COLUMN "reshardRemoving" TEXT;
ALTER TABLE "ReplicationGroup" ADD COLUMN "reshardProgress" REAL;
ALTER TABLE "NodeGroup" ADD COLUMN "slots" TEXT;
ALTER TABLE "CacheNode" ADD COLUMN "busPort" INTEGER;
CREATE UNIQUE INDEX "CacheNode_busPort_key" ON "CacheNode"("busPort");
