-- The leader lease's fencing token: a new leader increments the epoch as it takes the lease.
CREATE TABLE "LeaderEpoch" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "epoch" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "LeaderEpoch_pkey" PRIMARY KEY ("id")
);
