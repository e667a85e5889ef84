-- The event streams' read (read-run-events.ts, READ_FUNCTION_SOURCE: a test checks the two match), as a function so
-- that its plan can be kept. Its parameter is a jsonb recordset, whose size is a constant to the planner, so plpgsql
-- keeps one plan for it instead of planning it at every read (its planning cost three times its execution). A kept
-- plan is chosen when the function is first called, maybe in a new database whose tables are tiny: the SET clauses,
-- which hold while the function runs and touch no session, make that plan find each run, entry and step through an
-- index whatever the tables' sizes then.
CREATE FUNCTION "switchyard_read_run_events"(reads jsonb)
  RETURNS TABLE (k int, status text, error text, execute boolean, "inputPayload" jsonb, "outputPayload" jsonb,
                 audits json, steps json, "childAudits" json)
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  AS E'#variable_conflict use_column
BEGIN
  RETURN QUERY
SELECT q.k::int AS k, r.status, r.error, r.execute,
  CASE WHEN r.status IN (''succeeded'', ''failed'', ''cancelled'') THEN r.input_payload END AS "inputPayload",
  CASE WHEN r.status IN (''succeeded'', ''failed'', ''cancelled'') THEN r.output_payload END AS "outputPayload",
  (SELECT coalesce(json_agg(json_build_object(''id'', x.id, ''action'', x.action, ''at'', to_char(x.at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"''),
            ''attempt'', x.starts) ORDER BY x.id), ''[]''::json)
     FROM (SELECT a.id, a.action, a.at,
                  count(*) FILTER (WHERE a.action = ''run_started'') OVER (ORDER BY a.id) AS starts
             FROM run_audit_entries a WHERE a.run_id = r.id) x
    WHERE x.id > q.audit_after) AS audits,
  (SELECT coalesce(json_agg(json_build_object(''id'', s.id, ''node_id'', s.node_id, ''attempt'', s.attempt,
            ''status'', s.status, ''output'', s.output, ''error'', s.error, ''log'', s.log,
            ''started_at'', to_char(s.started_at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"''), ''finished_at'', to_char(s.finished_at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'')) ORDER BY s.id), ''[]''::json)
     FROM run_steps s WHERE s.run_id = r.id AND s.id > q.step_after) AS steps,
  (SELECT coalesce(json_agg(json_build_object(''id'', a.id, ''xid'', a.xid::text, ''child'', c.id, ''action'', a.action,
            ''at'', to_char(a.at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"''), ''held'', a.xid >= (SELECT coalesce(min(x.xid), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS x(xid)
  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(NULL) b
                    WHERE b.backend_xid = x.xid::xid AND b.datid IS DISTINCT FROM
                          (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())))) ORDER BY a.xid, a.id), ''[]''::json)
     FROM runs c
     CROSS JOIN LATERAL (SELECT a.id, a.xid, a.action, a.at FROM run_audit_entries a
                          WHERE a.run_id = c.id AND (a.xid, a.id) > (q.child_xid::xid8, q.child_after)
                          OFFSET 0) a
    WHERE c.parent_run_id = r.id) AS "childAudits"
FROM jsonb_to_recordset(reads) AS q(k int, run_id uuid, audit_after bigint, step_after bigint, child_xid text,
                                    child_after bigint)
JOIN runs r ON r.id = q.run_id\073
END';
