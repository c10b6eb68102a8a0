-- Security of replication groups and their members (transit encryption, AUTH tokens) and each
-- node's TLS port for transit encryption "preferred". Columns only, so the migration touches no
-- existing row: groups and clusters made before it have no transit encryption and no token.
ALTER TABLE "ReplicationGroup" ADD COLUMN "kmsKeyId" TEXT;
ALTER TABLE "ReplicationGroup" ADD COLUMN "transitEncryption" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "ReplicationGroup" ADD COLUMN "transitEncryptionMode" TEXT;
ALTER TABLE "ReplicationGroup" ADD COLUMN "authTokens" TEXT;
ALTER TABLE "ReplicationGroup" ADD COLUMN "previousAuthTokens" TEXT;
ALTER TABLE "ReplicationGroup" ADD COLUMN "authTokenLastModified" DATETIME;

ALTER TABLE "CacheCluster" ADD COLUMN "transitEncryption" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "CacheCluster" ADD COLUMN "transitEncryptionMode" TEXT;
ALTER TABLE "CacheCluster" ADD COLUMN "authTokens" TEXT;
ALTER TABLE "CacheCluster" ADD COLUMN "previousAuthTokens" TEXT;
ALTER TABLE "CacheCluster" ADD COLUMN "authTokenLastModified" DATETIME;

ALTER TABLE "CacheNode" ADD COLUMN "tlsPort" INTEGER;
ALTER TABLE "CacheNode" ADD COLUMN "tlsAdminHost" TEXT;
ALTER TABLE "CacheNode" ADD COLUMN "tlsAdminPort" INTEGER;
ALTER TABLE "CacheNode" ADD COLUMN "tlsPeerHost" TEXT;
ALTER TABLE "CacheNode" ADD COLUMN "tlsPeerPort" INTEGER;
CREATE UNIQUE INDEX "CacheNode_tlsPort_key" ON "CacheNode"("tlsPort");
