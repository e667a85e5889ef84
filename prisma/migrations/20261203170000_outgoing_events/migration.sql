-- Outgoing run events (docs/outgoing-events.md): subscriptions, the outbox of deliveries and their attempts.
-- CreateTable
CREATE TABLE "event_subscriptions" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "workflow_id" UUID,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_reason" TEXT,
    "failing_since" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "subscription_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "body" JSON NOT NULL,
    "run_id" UUID,
    "workflow_id" UUID,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "schedule_step" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "first_attempt_at" TIMESTAMPTZ(3),
    "claim_token" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "event_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_delivery_attempts" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" TEXT NOT NULL,
    "response_code" INTEGER,
    "duration_ms" INTEGER NOT NULL,
    "error" TEXT,

    CONSTRAINT "event_delivery_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "event_deliveries_subscription_id_created_at_id_idx" ON "event_deliveries"("subscription_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "event_delivery_attempts_delivery_id_attempt_idx" ON "event_delivery_attempts"("delivery_id", "attempt");

-- AddForeignKey
ALTER TABLE "event_deliveries" ADD CONSTRAINT "event_deliveries_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "event_subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_delivery_attempts" ADD CONSTRAINT "event_delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "event_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Due deliveries for the senders (pending, by next_attempt_at), finished ones for the beat's purge.
CREATE INDEX "event_deliveries_due_idx" ON "event_deliveries"("next_attempt_at") WHERE "status" = 'pending';
CREATE INDEX "event_deliveries_finished_idx" ON "event_deliveries"("finished_at") WHERE "status" <> 'pending';

ALTER TABLE "event_deliveries" ADD CONSTRAINT "event_deliveries_status_check"
  CHECK ("status" IN ('pending', 'delivered', 'failed'));
ALTER TABLE "event_delivery_attempts" ADD CONSTRAINT "event_delivery_attempts_outcome_check"
  CHECK ("outcome" IN ('succeeded', 'failed'));
ALTER TABLE "event_subscriptions" ADD CONSTRAINT "event_subscriptions_events_check"
  CHECK (cardinality("events") > 0 AND "events" <@ ARRAY['run.succeeded', 'run.failed', 'run.cancelled', 'run.started', 'cron.missed']::text[]);

-- A timestamptz as the API writes it (Date.toISOString: UTC, milliseconds).
CREATE FUNCTION "switchyard_iso"(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS
  'SELECT to_char(t AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'')';

-- The outbox: a run's event and its deliveries are written by the transition's own statement, whichever process
-- made it (worker, API, sweeper), so the event commits with the change or not at all. Statement-level with transition
-- tables: a batched transition of many runs is one INSERT ... SELECT, and without an enabled subscription the
-- statement costs one probe of a tiny table. A start (pending -> running) raises run.started, a resume
-- (waiting -> running) nothing, a terminal status raises run.<status>. `data` is the run's API JSON without
-- audit_log (RUN_JSON_SQL's keys and values, run-row.ts, compared by outgoing-events.test.ts).
-- The bodies are escape strings whose statement ends are written \073: the migration runner splits scripts at
-- every semicolon.
CREATE FUNCTION "enqueue_run_events"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  IF NOT EXISTS (SELECT 1 FROM event_subscriptions WHERE enabled) THEN RETURN NULL\073 END IF\073
  INSERT INTO event_deliveries (subscription_id, event_type, body, run_id, workflow_id)
  SELECT s.id, e.type, json_build_object(''type'', e.type, ''timestamp'', switchyard_iso(n.updated_at), ''data'', json_build_object(
      ''id'', n.id, ''workflow_id'', n.workflow_id, ''workflow_version_id'', n.workflow_version_id, ''status'', n.status,
      ''triggered_by'', n.triggered_by,
      ''input_payload'', CASE WHEN n.input_payload IS NULL OR n.input_payload = ''null'' THEN ''{}''::jsonb ELSE n.input_payload END,
      ''runnable_config'', n.runnable_config,
      ''output_payload'', CASE WHEN n.execute AND jsonb_typeof(n.output_payload->''final_state'') = ''object''
                              AND NOT jsonb_exists(n.output_payload->''final_state'', ''input'')
                         THEN jsonb_set(n.output_payload, ''{final_state,input}'',
                                CASE WHEN n.input_payload IS NULL OR n.input_payload = ''null'' THEN ''{}''::jsonb ELSE n.input_payload END)
                         ELSE n.output_payload END,
      ''error'', n.error, ''attempt'', n.attempt, ''retry_of'', n.retry_of, ''run_at'', switchyard_iso(n.run_at),
      ''blocked_by'', CASE WHEN n.status = ''pending'' THEN n.blocked_by END, ''created_at'', switchyard_iso(n.created_at),
      ''updated_at'', switchyard_iso(n.updated_at), ''started_at'', switchyard_iso(n.started_at),
      ''completed_at'', switchyard_iso(n.completed_at), ''parent_run_id'', n.parent_run_id,
      ''root_run_id'', coalesce(n.root_run_id, n.id))),
    n.id, n.workflow_id
  FROM new_runs n
  JOIN old_runs o ON o.id = n.id
  CROSS JOIN LATERAL (SELECT CASE
      WHEN n.status = ''running'' AND o.status = ''pending'' THEN ''run.started''
      WHEN n.status IN (''succeeded'', ''failed'', ''cancelled'') AND o.status IN (''pending'', ''running'', ''waiting'')
        THEN ''run.'' || n.status
    END AS type) e
  JOIN event_subscriptions s ON s.enabled AND e.type = ANY(s.events)
    AND (s.workflow_id IS NULL OR s.workflow_id = n.workflow_id)
  WHERE e.type IS NOT NULL\073
  RETURN NULL\073
END';

CREATE TRIGGER "runs_outbox" AFTER UPDATE ON "runs" REFERENCING OLD TABLE AS old_runs NEW TABLE AS new_runs
  FOR EACH STATEMENT EXECUTE FUNCTION "enqueue_run_events"();

-- cron.missed: the same outbox from the insert that raises the event (only the beat whose insert took the row).
CREATE FUNCTION "enqueue_cron_missed_events"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  IF NOT EXISTS (SELECT 1 FROM event_subscriptions WHERE enabled AND ''cron.missed'' = ANY(events)) THEN RETURN NULL\073 END IF\073
  INSERT INTO event_deliveries (subscription_id, event_type, body, run_id, workflow_id)
  SELECT s.id, ''cron.missed'', json_build_object(''type'', ''cron.missed'', ''timestamp'', switchyard_iso(m.raised_at),
      ''data'', json_strip_nulls(json_build_object(''workflow_id'', m.workflow_id,
        ''scheduled_for'', switchyard_iso(m.scheduled_for), ''reason'', m.reason, ''run_id'', m.run_id))),
    m.run_id, m.workflow_id
  FROM new_missed m
  JOIN event_subscriptions s ON s.enabled AND ''cron.missed'' = ANY(s.events)
    AND (s.workflow_id IS NULL OR s.workflow_id = m.workflow_id)\073
  RETURN NULL\073
END';

CREATE TRIGGER "cron_missed_outbox" AFTER INSERT ON "cron_missed_occurrences" REFERENCING NEW TABLE AS new_missed
  FOR EACH STATEMENT EXECUTE FUNCTION "enqueue_cron_missed_events"();
