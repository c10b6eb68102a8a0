-- The leader lease's fencing token (PostgreSQL only uses it; the table exists in both databases).
CREATE TABLE "LeaderEpoch" (
    "id" INTEGER NOT NULL PRIMARY KEY DEFAULT 1,
    "epoch" INTEGER NOT NULL DEFAULT 0
);
