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

-- A waiting run that resumes under a concurrency limit takes a slot again, as a start does (docs/flow-control.md):
-- 'concurrency' while max_running runs of the workflow, or max_running_per_key of the run's key, are running,
-- else null. No rate limit (a resume is no start) and no queue of older pending runs: a run already under way need
-- not wait for runs that have not started. The same advisory locks as switchyard_start_wait, in the same order (workflow, then key).
CREATE FUNCTION switchyard_resume_wait(wf uuid, ck text)
RETURNS text LANGUAGE plpgsql VOLATILE AS E'
DECLARE
  lim record\073
  n int\073
BEGIN
  SELECT w.max_running, w.max_running_per_key INTO lim FROM workflows w WHERE w.id = wf\073
  IF NOT FOUND OR (lim.max_running IS NULL AND lim.max_running_per_key IS NULL) THEN
    RETURN NULL\073
  END IF\073
  IF lim.max_running IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(''switchyard.slot:'' || wf::text, 0))\073
    SELECT count(*) INTO n FROM runs r
      WHERE r.workflow_id = wf AND r.status = ''running'' AND r.concurrency_key IS NOT NULL
        AND (r.lease_expires_at IS NULL OR r.lease_expires_at >= clock_timestamp())\073
    IF n >= lim.max_running THEN
      RETURN ''concurrency''\073
    END IF\073
  END IF\073
  PERFORM pg_advisory_xact_lock(hashtextextended(''switchyard.slot:'' || wf::text || '':'' || ck, 0))\073
  IF lim.max_running_per_key IS NOT NULL THEN
    SELECT count(*) INTO n FROM runs r
      WHERE r.workflow_id = wf AND r.status = ''running'' AND r.concurrency_key = ck
        AND (r.lease_expires_at IS NULL OR r.lease_expires_at >= clock_timestamp())\073
    IF n >= lim.max_running_per_key THEN
      RETURN ''concurrency''\073
    END IF\073
  END IF\073
  RETURN NULL\073
END
';

-- The waiting runs refused a slot to resume in, oldest first: what a finishing run wakes, with the pending ones.
CREATE INDEX "runs_resume_blocked_idx" ON "runs"("workflow_id", "concurrency_key", "updated_at", "id")
  WHERE "status" = 'waiting' AND "blocked_by" = 'concurrency';
