-- Flow control (docs/flow-control.md): the runs freed concurrency slots wake, read under the advisory locks that
-- switchyard_start_wait takes (the workflows' with max_running, then the keys', each class sorted, the order every
-- statement takes them in). A start refused a slot marks itself blocked in its one statement while it holds the
-- key's lock: a wake either runs after that commit and sees the mark, or before the refusal, whose fresh snapshot
-- then sees the slot freed (the finished run committed before its wake). No start asks twice after its mark.
-- For each (workflow, key) pair, by its place in the arrays: the oldest pending run refused a slot of the key
-- and the longest waiting run refused a slot to resume in, and with max_running the same two of the workflow.
-- Prisma's migration runner splits a script at every semicolon: the body is an escape string, with \073 for each.
CREATE FUNCTION switchyard_wake_blocked(wfs uuid[], cks text[])
RETURNS TABLE(slot_ord int, run_id uuid) LANGUAGE plpgsql VOLATILE AS E'
BEGIN
  PERFORM pg_advisory_xact_lock(l.h) FROM (
    SELECT DISTINCT hashtextextended(''switchyard.slot:'' || w.id::text, 0) AS h
    FROM workflows w WHERE w.id = ANY(wfs) AND w.max_running IS NOT NULL ORDER BY 1) l\073
  PERFORM pg_advisory_xact_lock(l.h) FROM (
    SELECT DISTINCT hashtextextended(''switchyard.slot:'' || i.wf::text || '':'' || i.ck, 0) AS h
    FROM unnest(wfs, cks) AS i(wf, ck) ORDER BY 1) l\073
  RETURN QUERY
    SELECT i.ord::int, b.id
    FROM unnest(wfs, cks) WITH ORDINALITY AS i(wf, ck, ord)
    CROSS JOIN LATERAL (
      (SELECT k.id FROM runs k
        WHERE k.workflow_id = i.wf AND k.status = ''pending'' AND k.blocked_by = ''concurrency''
          AND k.concurrency_key = i.ck
        ORDER BY k.created_at, k.id LIMIT 1)
      UNION
      (SELECT k.id FROM runs k
        WHERE k.workflow_id = i.wf AND k.status = ''waiting'' AND k.blocked_by = ''concurrency''
          AND k.concurrency_key = i.ck
        ORDER BY k.updated_at, k.id LIMIT 1)
      UNION
      (SELECT a.id FROM runs a
        WHERE a.workflow_id = i.wf AND a.status = ''pending'' AND a.blocked_by = ''concurrency''
          AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = i.wf AND w.max_running IS NOT NULL)
        ORDER BY a.created_at, a.id LIMIT 1)
      UNION
      (SELECT a.id FROM runs a
        WHERE a.workflow_id = i.wf AND a.status = ''waiting'' AND a.blocked_by = ''concurrency''
          AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = i.wf AND w.max_running IS NOT NULL)
        ORDER BY a.updated_at, a.id LIMIT 1)
    ) b\073
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
