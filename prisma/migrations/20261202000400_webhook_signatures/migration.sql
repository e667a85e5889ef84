-- CreateTable
CREATE TABLE "webhook_signatures" (
    "workflow_id" UUID NOT NULL,
    "signature" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_signatures_pkey" PRIMARY KEY ("workflow_id","signature")
);

-- CreateIndex
CREATE INDEX "webhook_signatures_workflow_id_expires_at_idx" ON "webhook_signatures"("workflow_id", "expires_at");

