-- Flow control (docs/flow-control.md): the runs a freed concurrency slot wakes, read under the same advisory locks
-- as switchyard_start_wait takes (the workflow's when it has max_running, then the key's, in that order). A start
-- refused a slot marks itself blocked in its one statement while it holds the key's lock: a wake either runs
-- after that commit and sees the mark, or before the refusal, whose fresh snapshot then sees the slot freed (the
-- finished run committed before its wake). No start needs a second try after its mark.
-- The oldest run refused a slot of the key, and with max_running the oldest refused run of the workflow.
-- Prisma's migration runner splits a script at every semicolon: the body is an escape string, with \073 for each.
CREATE FUNCTION switchyard_wake_blocked(wf uuid, ck text)
RETURNS SETOF uuid LANGUAGE plpgsql VOLATILE AS E'
DECLARE
  wide boolean\073
BEGIN
  SELECT w.max_running IS NOT NULL INTO wide FROM workflows w WHERE w.id = wf\073
  wide := coalesce(wide, false)\073
  IF wide THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(''switchyard.slot:'' || wf::text, 0))\073
  END IF\073
  PERFORM pg_advisory_xact_lock(hashtextextended(''switchyard.slot:'' || wf::text || '':'' || ck, 0))\073
  IF NOT wide THEN
    RETURN QUERY
      SELECT b.id FROM runs b
      WHERE b.workflow_id = wf AND b.status = ''pending'' AND b.blocked_by = ''concurrency'' AND b.concurrency_key = ck
      ORDER BY b.created_at, b.id LIMIT 1\073
    RETURN\073
  END IF\073
  RETURN QUERY
    (SELECT b.id FROM runs b
      WHERE b.workflow_id = wf AND b.status = ''pending'' AND b.blocked_by = ''concurrency'' AND b.concurrency_key = ck
      ORDER BY b.created_at, b.id LIMIT 1)
    UNION
    (SELECT b.id FROM runs b
      WHERE b.workflow_id = wf AND b.status = ''pending'' AND b.blocked_by = ''concurrency''
      ORDER BY b.created_at, b.id LIMIT 1)\073
END
';

-- A batch of limited starts (one statement, several runs) takes every lock its runs' switchyard_start_wait calls
-- may take, first and in one order: the rate keys' locks, then the workflows', then the keys', each class sorted.
-- A one-run start (rate, workflow, key) and a wake (workflow, key) take theirs in the same order, so no two
-- statements can wait for each other. The per-run calls then take locks this transaction already holds.
CREATE FUNCTION switchyard_lock_slots(run_ids uuid[], cks text[], rks text[])
RETURNS boolean LANGUAGE plpgsql VOLATILE AS E'
BEGIN
  PERFORM pg_advisory_xact_lock(l.h) FROM (
    SELECT DISTINCT hashtextextended(''switchyard.rate:'' || r.workflow_id::text || '':'' || i.rk, 0) AS h
    FROM unnest(run_ids, rks) AS i(id, rk) JOIN runs r ON r.id = i.id JOIN workflows w ON w.id = r.workflow_id
    WHERE w.rate_limit IS NOT NULL ORDER BY 1) l\073
  PERFORM pg_advisory_xact_lock(l.h) FROM (
    SELECT DISTINCT hashtextextended(''switchyard.slot:'' || r.workflow_id::text, 0) AS h
    FROM unnest(run_ids) AS i(id) JOIN runs r ON r.id = i.id JOIN workflows w ON w.id = r.workflow_id
    WHERE w.max_running IS NOT NULL ORDER BY 1) l\073
  PERFORM pg_advisory_xact_lock(l.h) FROM (
    SELECT DISTINCT hashtextextended(''switchyard.slot:'' || r.workflow_id::text || '':'' || i.ck, 0) AS h
    FROM unnest(run_ids, cks) AS i(id, ck) JOIN runs r ON r.id = i.id JOIN workflows w ON w.id = r.workflow_id
    WHERE w.max_running IS NOT NULL OR w.max_running_per_key IS NOT NULL ORDER BY 1) l\073
  RETURN true\073
END
';
