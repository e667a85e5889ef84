-- CreateTable
CREATE TABLE "cron_occurrences" (
    "workflow_id" UUID NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "run_id" UUID,
    "covers_until" TIMESTAMPTZ(3),
    "overlap_holds" INTEGER NOT NULL DEFAULT 0,
    "first_decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cron_occurrences_pkey" PRIMARY KEY ("workflow_id","scheduled_for")
);

-- CreateIndex
CREATE INDEX "runs_created_at_id_idx" ON "runs"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_completed_at_idx" ON "runs"("completed_at");

-- CreateIndex
CREATE INDEX "runs_input_payload_idx" ON "runs" USING GIN ("input_payload" jsonb_path_ops);

-- AddForeignKey
ALTER TABLE "cron_occurrences" ADD CONSTRAINT "cron_occurrences_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

