-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "child_group_id" UUID,
ADD COLUMN     "child_index" INTEGER,
ADD COLUMN     "depth" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "parent_run_id" UUID,
ADD COLUMN     "root_run_id" UUID;

-- CreateTable
CREATE TABLE "run_child_groups" (
    "id" UUID NOT NULL,
    "parent_run_id" UUID NOT NULL,
    "node_id" TEXT NOT NULL,
    "run_attempt" INTEGER NOT NULL,
    "node_try" INTEGER NOT NULL,
    "workflow_id" UUID NOT NULL,
    "workflow_version_id" UUID NOT NULL,
    "root_run_id" UUID NOT NULL,
    "depth" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "on_failure" TEXT NOT NULL,
    "next_index" INTEGER NOT NULL DEFAULT 0,
    "live" INTEGER NOT NULL DEFAULT 0,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "cancelled" INTEGER NOT NULL DEFAULT 0,
    "failed_run_id" UUID,
    "resolved_at" TIMESTAMPTZ(3),
    "resume_claimed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "run_child_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_child_items" (
    "group_id" UUID NOT NULL,
    "idx" INTEGER NOT NULL,
    "input" JSONB NOT NULL,
    "run_id" UUID,

    CONSTRAINT "run_child_items_pkey" PRIMARY KEY ("group_id","idx")
);

-- CreateIndex
CREATE UNIQUE INDEX "run_child_groups_parent_run_id_node_id_run_attempt_node_try_key" ON "run_child_groups"("parent_run_id", "node_id", "run_attempt", "node_try");

-- AddForeignKey
ALTER TABLE "run_child_items" ADD CONSTRAINT "run_child_items_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "run_child_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- A run's children, newest first (GET /api/runs?parent=), and a group's children by item (unique: one run per item
-- of a group, whoever creates it). Partial: top-level runs, nearly all of them, are in neither.
CREATE INDEX "runs_parent_idx" ON "runs"("parent_run_id", "created_at" DESC, "id" DESC) WHERE "parent_run_id" IS NOT NULL;
CREATE UNIQUE INDEX "runs_child_item_key" ON "runs"("child_group_id", "child_index") WHERE "child_group_id" IS NOT NULL;
CREATE INDEX "run_child_groups_open_idx" ON "run_child_groups"("updated_at") WHERE "resume_claimed" = false;

-- A child's terminal transition and its group's counts are one step: the trigger runs in the transition's own
-- statement, whichever process (worker, API, sweeper) made it. It resolves the group once, when every child has
-- finished or a fail_fast child did not succeed. Its WHEN keeps it off every run without a group.
-- The body is an escape string whose statement ends are written \073: the migration runner splits scripts at
-- every semicolon.
CREATE FUNCTION "count_child_outcome"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  UPDATE run_child_groups g SET
    live = g.live - 1,
    succeeded = g.succeeded + (NEW.status = ''succeeded'')::int,
    failed = g.failed + (NEW.status = ''failed'')::int,
    cancelled = g.cancelled + (NEW.status = ''cancelled'')::int,
    failed_run_id = CASE WHEN g.failed_run_id IS NULL AND NEW.status <> ''succeeded'' THEN NEW.id ELSE g.failed_run_id END,
    resolved_at = CASE
      WHEN g.resolved_at IS NOT NULL THEN g.resolved_at
      WHEN g.succeeded + g.failed + g.cancelled + 1 >= g.total THEN clock_timestamp()
      WHEN g.on_failure = ''fail_fast'' AND NEW.status <> ''succeeded'' THEN clock_timestamp()
      ELSE NULL END,
    updated_at = clock_timestamp()
  WHERE g.id = NEW.child_group_id\073
  RETURN NULL\073
END';

CREATE TRIGGER "runs_child_outcome" AFTER UPDATE OF "status" ON "runs" FOR EACH ROW
  WHEN (NEW.child_group_id IS NOT NULL AND OLD.status IN ('pending', 'running', 'waiting')
        AND NEW.status IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION "count_child_outcome"();
