-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "crash_recoveries" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lease_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "lease_owner" TEXT;

-- CreateTable
CREATE TABLE "workers" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "active_run_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "workers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "workers_last_heartbeat_at_idx" ON "workers"("last_heartbeat_at");


-- The lease sweeper's scan: running runs by lease expiry.
CREATE INDEX "runs_running_lease_idx" ON "runs"("lease_expires_at") WHERE "status" = 'running';

-- Runs already running when this migration runs were started by workers that do not renew leases: give them a
-- long lease, so they are taken over only if nothing finishes them in that time.
UPDATE "runs" SET "lease_expires_at" = now() + interval '10 minutes' WHERE "status" = 'running';
