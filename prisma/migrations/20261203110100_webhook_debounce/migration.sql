-- Webhook debounce (docs/flow-control.md): deliveries with the same key value make one pending run, whose input
-- and run_at each delivery replaces. The unique index of pending debounced runs is the upsert's arbiter: once the
-- run starts it leaves the index, and the next delivery creates a new run.
ALTER TABLE "runs" ADD COLUMN "debounce_key" TEXT;

CREATE UNIQUE INDEX "runs_pending_debounce_key" ON "runs"("workflow_id", "debounce_key")
  WHERE "status" = 'pending' AND "debounce_key" IS NOT NULL;
