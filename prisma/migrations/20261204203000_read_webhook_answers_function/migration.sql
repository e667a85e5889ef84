-- The sync-webhook answer read (webhook-answer-waiter.ts, READ_ANSWERS_FUNCTION_SOURCE: a test checks the two
-- match) as a function that keeps one plan reading by index, as switchyard_read_run_events does (its migration
-- says why). It was planned again at every read.
CREATE FUNCTION "switchyard_read_webhook_answers"(ids jsonb)
  RETURNS TABLE (id text, status text, error text, execute boolean, "inputPayload" jsonb, "outputPayload" jsonb,
                 respond jsonb)
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  AS E'#variable_conflict use_column
BEGIN
  RETURN QUERY
SELECT r.id::text AS id, r.status, r.error, r.execute,
  CASE WHEN r.status IN (''succeeded'', ''failed'', ''cancelled'') THEN r.input_payload END AS "inputPayload",
  CASE WHEN r.status IN (''succeeded'', ''failed'', ''cancelled'') THEN r.output_payload END AS "outputPayload",
  (SELECT s.output FROM run_steps s
    WHERE s.run_id = r.id AND s.status = ''succeeded''
      AND s.node_id IN (SELECT n->>''id'' FROM workflow_versions v, jsonb_array_elements(v.graph->''nodes'') n
                         WHERE v.id = r.workflow_version_id AND n->>''type'' = ''respond'')
    ORDER BY s.id LIMIT 1) AS respond
FROM jsonb_array_elements_text(ids) AS q(id)
JOIN runs r ON r.id = q.id::uuid\073
END';
