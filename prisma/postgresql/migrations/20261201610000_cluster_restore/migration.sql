-- Cluster-mode restore into another shard layout: the RDB files whose keys are placed by slot.
ALTER TABLE "ReplicationGroup" ADD COLUMN "restoreFiles" TEXT;
