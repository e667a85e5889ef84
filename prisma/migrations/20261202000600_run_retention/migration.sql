-- AlterTable
ALTER TABLE "workflows" ADD COLUMN     "retention_days" INTEGER,
ADD COLUMN     "retention_days_failed" INTEGER;


-- The retention purge probes terminal runs by workflow, status and completed_at. Live runs stay out of it.
CREATE INDEX "runs_retention_idx" ON "runs"("workflow_id", "status", "completed_at")
  WHERE "status" IN ('succeeded', 'failed', 'cancelled');
