/**
 * Every action a run's audit log records (api.md, Runs): who changed the run, and how. A new kind of change adds
 * its name here, so the API's description and every writer agree.
 */
export const AUDIT_ACTIONS = [
  "run_created",
  "run_started",
  "run_resumed",
  "run_waiting",
  "run_signalled",
  "run_succeeded",
  "run_failed",
  "run_cancelled",
  "run_retry_scheduled",
  "run_handed_over",
  "run_requeued",
  "run_lease_expired",
  "run_crash_limit_reached",
  "run_debounced",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
