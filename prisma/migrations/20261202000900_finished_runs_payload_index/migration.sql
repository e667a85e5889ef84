-- A status change writes a new row version of the run into every index whose condition it meets, and the payload's
-- GIN index takes one entry per key of the payload for each: three times per run (created, running, finished).
-- It now holds finished runs only, each entered once. A payload search finds live runs (pending, running,
-- waiting: a backlog at most) through the status index and checks their payloads row by row (search-runs.ts).
DROP INDEX "runs_input_payload_idx";
CREATE INDEX "runs_input_payload_idx" ON "runs" USING GIN ("input_payload" jsonb_path_ops) WITH (fastupdate = off)
  WHERE "status" IN ('succeeded', 'failed', 'cancelled');
