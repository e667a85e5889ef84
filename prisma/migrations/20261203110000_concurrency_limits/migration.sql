-- Flow control (docs/flow-control.md): a workflow's concurrency and start rate limits, a run's keys and why it waits.
ALTER TABLE "workflows" ADD COLUMN "max_running" INTEGER,
ADD COLUMN "concurrency_key" TEXT,
ADD COLUMN "max_running_per_key" INTEGER,
ADD COLUMN "rate_limit" INTEGER,
ADD COLUMN "rate_interval_seconds" INTEGER,
ADD COLUMN "rate_key" TEXT;

ALTER TABLE "runs" ADD COLUMN "concurrency_key" TEXT,
ADD COLUMN "rate_key" TEXT,
ADD COLUMN "blocked_by" TEXT;

-- The running runs that hold a slot (only runs of limited workflows have a key): what a start counts.
CREATE INDEX "runs_slot_holders_idx" ON "runs"("workflow_id", "concurrency_key")
  WHERE "status" = 'running' AND "concurrency_key" IS NOT NULL;

-- The runs refused a slot, oldest first: what a finishing run wakes, and what a newer run must not overtake.
CREATE INDEX "runs_blocked_idx" ON "runs"("workflow_id", "concurrency_key", "created_at", "id")
  WHERE "status" = 'pending' AND "blocked_by" = 'concurrency';
CREATE INDEX "runs_blocked_oldest_idx" ON "runs"("workflow_id", "created_at", "id")
  WHERE "status" = 'pending' AND "blocked_by" = 'concurrency';

-- Starts of rate-limited runs by key (what a window counts), and the runs waiting for a window, oldest first.
CREATE INDEX "runs_rate_starts_idx" ON "runs"("workflow_id", "rate_key", "started_at")
  WHERE "rate_key" IS NOT NULL;
CREATE INDEX "runs_rate_blocked_idx" ON "runs"("workflow_id", "rate_key", "created_at", "id")
  WHERE "status" = 'pending' AND "blocked_by" = 'rate_limit';

-- Why the run may not start now under its workflow's limits (null: it may), as the guard of its start. A start
-- rate limit counts starts in fixed windows of interval_seconds: over it, the answer is 'rate_limit <ms>', the
-- window (epoch milliseconds) the run may start in, after the older runs waiting for one, limit runs a window.
-- Concurrency: 'concurrency' while max_running runs of the workflow, or max_running_per_key of the run's key,
-- are running, or an older run of its key waits for a slot (oldest first). A running run whose lease expired lost
-- its worker: it holds no slot.
-- The counts must see every start committed before this one: a VOLATILE function takes a fresh snapshot for each
-- query, after the advisory locks that serialise the starts of one rate key, one workflow, one key (always in
-- that order, so two starts cannot deadlock). The locks are held until the start commits.
-- Prisma's migration runner splits a script at every semicolon: the body is an escape string, with \073 for each.
CREATE FUNCTION switchyard_start_wait(run_id uuid, wf uuid, ck text, rk text, created timestamptz, due timestamptz)
RETURNS text LANGUAGE plpgsql VOLATILE AS E'
DECLARE
  lim record\073
  n int\073
  ms bigint\073
  win bigint\073
BEGIN
  SELECT w.max_running, w.max_running_per_key, w.rate_limit, w.rate_interval_seconds INTO lim
    FROM workflows w WHERE w.id = wf\073
  IF NOT FOUND THEN
    RETURN NULL\073
  END IF\073
  IF lim.rate_limit IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(''switchyard.rate:'' || wf::text || '':'' || rk, 0))\073
    ms := lim.rate_interval_seconds::bigint * 1000\073
    win := floor(extract(epoch FROM clock_timestamp()) * 1000 / ms)::bigint\073
    SELECT count(*) INTO n FROM runs b
      WHERE b.workflow_id = wf AND b.status = ''pending'' AND b.blocked_by = ''rate_limit'' AND b.rate_key = rk
        AND (b.created_at, b.id) < (created, run_id) AND (due IS NULL OR b.run_at < due)\073
    IF n > 0 OR (SELECT count(*) FROM runs s
                 WHERE s.workflow_id = wf AND s.rate_key = rk
                   AND s.started_at >= to_timestamp(win * ms / 1000.0)) >= lim.rate_limit THEN
      SELECT count(*) INTO n FROM runs b
        WHERE b.workflow_id = wf AND b.status = ''pending'' AND b.blocked_by = ''rate_limit'' AND b.rate_key = rk
          AND (b.created_at, b.id) < (created, run_id)\073
      RETURN ''rate_limit '' || ((win + 1 + n / lim.rate_limit) * ms)::text\073
    END IF\073
  END IF\073
  IF lim.max_running IS NULL AND lim.max_running_per_key IS NULL THEN
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
  IF EXISTS (SELECT 1 FROM runs b
             WHERE b.workflow_id = wf AND b.status = ''pending'' AND b.blocked_by = ''concurrency''
               AND b.concurrency_key = ck AND (b.created_at, b.id) < (created, run_id)) THEN
    RETURN ''concurrency''\073
  END IF\073
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
