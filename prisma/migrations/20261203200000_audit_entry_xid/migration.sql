-- The transaction that wrote each audit entry, for a parent's event stream: its children's entries are read in
-- (xid, id) order, and only those of transactions older than every one still running (docs/run-events.md).
-- pg_current_xact_id() is stable: existing rows take this migration's own transaction id as a stored default,
-- without rewriting the table, and every later insert records its own at no other cost.
ALTER TABLE "run_audit_entries" ADD COLUMN "xid" xid8 NOT NULL DEFAULT pg_current_xact_id();
