import { randomUUID } from "node:crypto";
import { queryRows, type Queryable } from "../db";

/** A delivery a sender claimed: what to send where, and its place in the retry schedule. */
export type ClaimedDelivery = {
  id: string;
  subscriptionId: string;
  url: string;
  /** The stored (sealed) secret. */
  secret: string;
  body: string;
  attempts: number;
  scheduleStep: number;
  firstAttemptAt: Date;
  claimToken: string;
};

/**
 * The sender's own writes commit without waiting for the WAL flush (synchronous_commit off for that transaction
 * alone, so a transaction-mode pooler is fine too): one lost in a Postgres crash is a claim that never happened or a
 * delivery sent again, both of which at-least-once delivery allows. The statements join it, so it is evaluated.
 */
const ASYNC_COMMIT = `async_commit AS (SELECT set_config('synchronous_commit', 'off', true))`;

/**
 * Claim sizes: each is its own statement text with a constant LIMIT, so Postgres plans it once per connection (a
 * LIMIT parameter keeps it planning the statement at every execution, which costs more than running it).
 */
const CLAIM_SIZES = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 500] as const;

/** The largest claim size up to `room`. */
export function claimSize(room: number): number {
  let size = 0;
  for (const s of CLAIM_SIZES) if (s <= room) size = s;
  return size;
}

/**
 * One sender cycle in one statement (one round trip, one commit): records the successful attempts of $1 (rows of
 * id, claim token, status code, duration), then claims up to `size` due deliveries.
 *
 * Recording: each delivery is delivered with its successful attempt's answer on the row, fenced on its claim (a claim that expired and was
 * taken again, or a manual retry, leaves that row out). Their subscriptions' failure streaks end; last_success_at
 * moves at most every 10 s, so a busy subscription's row is not written per delivery.
 *
 * Claiming: pending, next_attempt_at passed, their subscription enabled, skipping rows another sender holds (and
 * those being recorded). The claim holds for $2 seconds (claimed_until): a sender that dies holding it leaves the
 * delivery due again then, for any sender. Only unindexed columns change, so the claim is a HOT update. The attempt is counted as it starts.
 */
function cycleSql(size: number): string {
  return `WITH ${ASYNC_COMMIT}, i AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(id uuid, token uuid, code int, ms int)
  ), done AS (
    UPDATE event_deliveries e SET status = 'delivered', finished_at = clock_timestamp(), claim_token = NULL,
      claimed_until = NULL, response_code = i.code, duration_ms = i.ms
    FROM i, async_commit WHERE e.id = i.id AND e.claim_token = i.token
    RETURNING e.id, e.subscription_id
  ), streak AS (
    UPDATE event_subscriptions s SET failing_since = NULL, last_success_at = clock_timestamp()
    WHERE s.id IN (SELECT subscription_id FROM done)
      AND (s.failing_since IS NOT NULL OR s.last_success_at IS NULL OR s.last_success_at < clock_timestamp() - interval '10 seconds')
  ), due AS (
    SELECT d.id FROM event_deliveries d
    JOIN event_subscriptions s ON s.id = d.subscription_id AND s.enabled
    WHERE d.status = 'pending' AND d.next_attempt_at <= clock_timestamp()
      AND (d.claimed_until IS NULL OR d.claimed_until <= clock_timestamp()) AND d.id NOT IN (SELECT id FROM i)
    ORDER BY d.next_attempt_at LIMIT ${size}
    FOR UPDATE OF d SKIP LOCKED
  ), claimed AS (
    UPDATE event_deliveries d SET
      claimed_until = clock_timestamp() + make_interval(secs => $2),
      claim_token = $3::uuid,
      attempts = d.attempts + 1,
      first_attempt_at = coalesce(d.first_attempt_at, clock_timestamp())
    FROM due, event_subscriptions s, async_commit
    WHERE d.id = due.id AND s.id = d.subscription_id
    RETURNING d.id, d.subscription_id, s.url, s.secret, d.body, d.attempts, d.schedule_step, d.first_attempt_at,
      d.claim_token
  )
  SELECT NULL::text AS "recorded", c.id::text AS "id", c.subscription_id::text AS "subscriptionId", c.url, c.secret,
    c.body::text AS body, c.attempts, c.schedule_step AS "scheduleStep", c.first_attempt_at AS "firstAttemptAt",
    c.claim_token::text AS "claimToken"
  FROM claimed c
  UNION ALL
  SELECT id::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM done`;
}

const CYCLE_SQL = new Map<number, string>(CLAIM_SIZES.map((size) => [size, cycleSql(size)]));

export type DeliveredAttempt = Pick<ClaimedDelivery, "id" | "claimToken"> & AttemptOutcome;

/**
 * Records `delivered` and claims up to `size` (a claim size: see claimSize) due deliveries, in one statement.
 * Answers the claimed deliveries and, of those recorded, the ids whose claim was still held.
 */
export async function recordAndClaim(
  db: Queryable,
  delivered: readonly DeliveredAttempt[],
  size: number,
  claimSeconds: number,
): Promise<{ claimed: ClaimedDelivery[]; recorded: Set<string> }> {
  const sql = CYCLE_SQL.get(size);
  if (sql === undefined) throw new Error(`not a claim size: ${size}`);
  const rows = delivered.map((a) => ({ id: a.id, token: a.claimToken, code: a.responseCode, ms: a.durationMs }));
  const result = await queryRows<ClaimedDelivery & { recorded: string | null }>(db, sql, [
    JSON.stringify(rows),
    claimSeconds,
    randomUUID(),
  ]);
  const claimed: ClaimedDelivery[] = [];
  const recorded = new Set<string>();
  for (const { recorded: id, ...row } of result) {
    if (id !== null) recorded.add(id);
    else claimed.push(row);
  }
  return { claimed, recorded };
}

export type AttemptOutcome = {
  responseCode: number | null;
  durationMs: number;
  error: string | null;
};

/**
 * A failed attempt: pending again at $5, or failed when $5 is null (the schedule's window has passed); the
 * attempt logged; the subscription's failure streak starts (or goes on), and a streak older than $7 seconds
 * disables it. Answers whether the claim was still held and whether this attempt disabled the subscription.
 */
const FAILED_SQL = `WITH d AS (
    UPDATE event_deliveries SET
      status = CASE WHEN $5::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
      next_attempt_at = coalesce($5::timestamptz, clock_timestamp()),
      finished_at = CASE WHEN $5::timestamptz IS NULL THEN clock_timestamp() END,
      schedule_step = schedule_step + 1,
      claim_token = NULL,
      claimed_until = NULL
    WHERE id = $1::uuid AND claim_token = $2::uuid
    RETURNING id, subscription_id, attempts
  ), a AS (
    INSERT INTO event_delivery_attempts (delivery_id, attempt, outcome, response_code, duration_ms, error)
    SELECT id, attempts, 'failed', $3, $4, $6::text FROM d
  ), s AS (
    UPDATE event_subscriptions s SET
      failing_since = coalesce(s.failing_since, clock_timestamp()),
      enabled = NOT coalesce(s.failing_since < clock_timestamp() - make_interval(secs => $7), false),
      disabled_reason = CASE WHEN s.failing_since < clock_timestamp() - make_interval(secs => $7)
        THEN 'every attempt failed since ' || switchyard_iso(s.failing_since) || ' (last: ' || $6::text || ')' END,
      updated_at = clock_timestamp()
    WHERE s.id = (SELECT subscription_id FROM d) AND s.enabled
    RETURNING s.id, s.enabled
  )
  SELECT (SELECT count(*)::int FROM d) AS n, coalesce((SELECT NOT enabled FROM s), false) AS disabled,
    (SELECT subscription_id::text FROM d) AS "subscriptionId"`;

export async function recordFailed(
  db: Queryable,
  claim: Pick<ClaimedDelivery, "id" | "claimToken">,
  outcome: AttemptOutcome & { error: string },
  next: Date | null,
  disableAfterSeconds: number,
): Promise<{ recorded: boolean; disabled: boolean; subscriptionId: string | null }> {
  const [row] = await queryRows<{ n: number; disabled: boolean; subscriptionId: string | null }>(db, FAILED_SQL, [
    claim.id,
    claim.claimToken,
    outcome.responseCode,
    outcome.durationMs,
    next?.toISOString() ?? null,
    outcome.error,
    disableAfterSeconds,
  ]);
  return { recorded: (row?.n ?? 0) > 0, disabled: row?.disabled ?? false, subscriptionId: row?.subscriptionId ?? null };
}

/**
 * A disabled subscription's pending deliveries wait (next_attempt_at 'infinity') until it is enabled again; then
 * they are due at once. Never lost either way.
 */
export async function pauseDeliveries(db: Queryable, subscriptionId: string): Promise<void> {
  await queryRows(
    db,
    `UPDATE event_deliveries SET next_attempt_at = 'infinity', claim_token = NULL, claimed_until = NULL
     WHERE subscription_id = $1::uuid AND status = 'pending' AND next_attempt_at <> 'infinity'`,
    [subscriptionId],
  );
}

export async function resumeDeliveries(db: Queryable, subscriptionId: string): Promise<void> {
  await queryRows(
    db,
    `UPDATE event_deliveries SET next_attempt_at = clock_timestamp()
     WHERE subscription_id = $1::uuid AND status = 'pending' AND next_attempt_at = 'infinity'`,
    [subscriptionId],
  );
}

/**
 * Whether any subscription is enabled, and the age in seconds of the oldest due pending delivery (0 when none):
 * the outbox lag. A short walk of the due index, past the deliveries being sent.
 */
export async function readOutboxState(db: Queryable): Promise<{ subscribed: boolean; lagSeconds: number }> {
  const [row] = await queryRows<{ subscribed: boolean; lag: number | null }>(
    db,
    `SELECT EXISTS (SELECT 1 FROM event_subscriptions WHERE enabled) AS subscribed,
       (SELECT extract(epoch FROM clock_timestamp() - min(next_attempt_at))::float8 FROM event_deliveries
        WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
          AND (claimed_until IS NULL OR claimed_until <= clock_timestamp())) AS lag`,
    [],
  );
  return { subscribed: row?.subscribed ?? false, lagSeconds: Math.max(0, row?.lag ?? 0) };
}
