-- AlterTable
ALTER TABLE "workflows" ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "queue" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "queue" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "workers" ADD COLUMN     "queues" TEXT[] DEFAULT ARRAY['default']::TEXT[];

-- The queues of pending runs off the default queue, for GET /api/system/queues (a run on the default queue is
-- never in it, so deployments that use no queues pay nothing for it but the predicate).
CREATE INDEX "runs_pending_queue_idx" ON "runs"("queue") WHERE "status" = 'pending' AND "execute" AND "queue" <> 'default';
