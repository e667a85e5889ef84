-- Concurrency limits (docs/flow-control.md): a workflow's limits, and a run's key and why it waits.
ALTER TABLE "workflows" ADD COLUMN "max_running" INTEGER,
ADD COLUMN "concurrency_key" TEXT,
ADD COLUMN "max_running_per_key" INTEGER;

ALTER TABLE "runs" ADD COLUMN "concurrency_key" TEXT,
ADD COLUMN "blocked_by" TEXT;

-- The running runs that hold a slot (only runs of limited workflows have a key): what a start counts.
CREATE INDEX "runs_slot_holders_idx" ON "runs"("workflow_id", "concurrency_key")
  WHERE "status" = 'running' AND "concurrency_key" IS NOT NULL;

-- The runs refused a slot, oldest first: what a finishing run wakes, and what a newer run must not overtake.
CREATE INDEX "runs_blocked_idx" ON "runs"("workflow_id", "concurrency_key", "created_at", "id")
  WHERE "status" = 'pending' AND "blocked_by" IS NOT NULL;
CREATE INDEX "runs_blocked_oldest_idx" ON "runs"("workflow_id", "created_at", "id")
  WHERE "status" = 'pending' AND "blocked_by" IS NOT NULL;

-- Whether the run may start now under its workflow's limits, as the guard of its start (pending to running).
-- The counts must see every start committed before this one: a VOLATILE function takes a fresh snapshot for each
-- query, after the advisory locks that serialise the starts of one workflow (then of one key, always in that
-- order, so two starts cannot deadlock). The locks are held until the start commits. A running run whose lease
-- expired lost its worker: it holds no slot. A run does not overtake an older run refused a slot of its key.
-- Prisma's migration runner splits a script at every semicolon: the body is an escape string, with \073 for each.
CREATE FUNCTION switchyard_slot_free(run_id uuid, wf uuid, k text, created timestamptz) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS E'
DECLARE
  lim record\073
  n int\073
BEGIN
  SELECT w.max_running, w.max_running_per_key INTO lim FROM workflows w WHERE w.id = wf\073
  IF NOT FOUND OR (lim.max_running IS NULL AND lim.max_running_per_key IS NULL) THEN
    RETURN true\073
  END IF\073
  IF lim.max_running IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(''switchyard.slot:'' || wf::text, 0))\073
    SELECT count(*) INTO n FROM runs r
      WHERE r.workflow_id = wf AND r.status = ''running'' AND r.concurrency_key IS NOT NULL
        AND (r.lease_expires_at IS NULL OR r.lease_expires_at >= clock_timestamp())\073
    IF n >= lim.max_running THEN
      RETURN false\073
    END IF\073
  END IF\073
  PERFORM pg_advisory_xact_lock(hashtextextended(''switchyard.slot:'' || wf::text || '':'' || k, 0))\073
  IF EXISTS (SELECT 1 FROM runs b
             WHERE b.workflow_id = wf AND b.status = ''pending'' AND b.blocked_by IS NOT NULL
               AND b.concurrency_key = k AND (b.created_at, b.id) < (created, run_id)) THEN
    RETURN false\073
  END IF\073
  IF lim.max_running_per_key IS NOT NULL THEN
    SELECT count(*) INTO n FROM runs r
      WHERE r.workflow_id = wf AND r.status = ''running'' AND r.concurrency_key = k
        AND (r.lease_expires_at IS NULL OR r.lease_expires_at >= clock_timestamp())\073
    IF n >= lim.max_running_per_key THEN
      RETURN false\073
    END IF\073
  END IF\073
  RETURN true\073
END
';
