-- Automatic backups: the last snapshot window each source's automated snapshot was started in.
-- A table of its own, so no existing row is touched.
CREATE TABLE "AutomaticBackup" (
    "sourceKind" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "sourceCreatedAt" DATETIME NOT NULL,
    "lastWindowStart" DATETIME NOT NULL,

    PRIMARY KEY ("sourceKind", "sourceId")
);
