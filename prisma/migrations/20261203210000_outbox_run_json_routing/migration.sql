-- The outbox's run JSON follows RUN_JSON_SQL (run-row.ts) again: runs gained `queue` and `priority`, and `blocked_by`
-- is shown for waiting runs too. Same body otherwise (statement ends written \073, as in 20261203170000).
CREATE OR REPLACE FUNCTION "enqueue_run_events"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
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
      ''blocked_by'', CASE WHEN n.status IN (''pending'', ''waiting'') THEN n.blocked_by END, ''queue'', n.queue, ''priority'', n.priority, ''created_at'', switchyard_iso(n.created_at),
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
