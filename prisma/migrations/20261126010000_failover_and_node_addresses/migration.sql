-- AlterTable
ALTER TABLE "ReplicationGroup" ADD COLUMN "failover" TEXT;

-- AlterTable
ALTER TABLE "CacheNode" ADD COLUMN "adminHost" TEXT;
ALTER TABLE "CacheNode" ADD COLUMN "adminPort" INTEGER;
ALTER TABLE "CacheNode" ADD COLUMN "peerHost" TEXT;
ALTER TABLE "CacheNode" ADD COLUMN "peerPort" INTEGER;

