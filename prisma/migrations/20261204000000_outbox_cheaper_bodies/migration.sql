-- switchyard_iso was declared IMMUTABLE over to_char, which is STABLE: a function declared less volatile than its
-- body is never inlined, so every call in the outbox trigger ran as a separate SQL function call (six per event).
-- Declared STABLE, as its body is, it is inlined into the statement that uses it. Same text out.
ALTER FUNCTION "switchyard_iso"(timestamptz) STABLE;
