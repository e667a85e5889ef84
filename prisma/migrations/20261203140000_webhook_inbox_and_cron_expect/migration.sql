-- The webhook inbox (every delivery with its raw request) and the cron dead-man's switch (expect.within_seconds,
-- one row per missed occurrence: its primary key makes the event exactly once across beats).
-- AlterTable
ALTER TABLE "cron_triggers" ADD COLUMN     "expect_checked_until" TIMESTAMPTZ(3),
ADD COLUMN     "expect_within_seconds" INTEGER;

-- CreateTable
CREATE TABLE "webhook_inbox" (
    "id" UUID NOT NULL,
    "workflow_id" UUID NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "query" JSONB NOT NULL DEFAULT '{}',
    "headers" JSONB NOT NULL DEFAULT '{}',
    "body" BYTEA NOT NULL,
    "body_size" INTEGER NOT NULL,
    "body_truncated" BOOLEAN NOT NULL DEFAULT false,
    "source_ip" TEXT,
    "outcome" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "reason" TEXT,
    "run_id" UUID,

    CONSTRAINT "webhook_inbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cron_missed_occurrences" (
    "workflow_id" UUID NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "run_id" UUID,
    "raised_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cron_missed_occurrences_pkey" PRIMARY KEY ("workflow_id","scheduled_for")
);

-- CreateIndex
CREATE INDEX "webhook_inbox_workflow_id_received_at_id_idx" ON "webhook_inbox"("workflow_id", "received_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "webhook_inbox_received_at_idx" ON "webhook_inbox"("received_at");

-- CreateIndex
CREATE INDEX "cron_missed_occurrences_raised_at_idx" ON "cron_missed_occurrences"("raised_at");


-- The outcome and the missed reasons are closed sets.
ALTER TABLE "webhook_inbox" ADD CONSTRAINT "webhook_inbox_outcome_check" CHECK ("outcome" IN ('accepted', 'rejected'));
ALTER TABLE "cron_missed_occurrences" ADD CONSTRAINT "cron_missed_occurrences_reason_check"
  CHECK ("reason" IN ('not_dispatched', 'skipped', 'still_running', 'failed'));
ALTER TABLE "cron_triggers" ADD CONSTRAINT "cron_triggers_expect_within_seconds_check"
  CHECK ("expect_within_seconds" BETWEEN 1 AND 86400);
