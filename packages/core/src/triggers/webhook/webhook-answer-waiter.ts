import { queryRows, returnQuerySource, type Queryable } from "../../db";
import type { Logger } from "../../logger";
import { errorMessage } from "../../errors";
import { outputPayloadOf, resultOf } from "../../runs/run-row";
import { isTerminal, statusInSql, TERMINAL_STATUSES, type RunStatus } from "../../runs/run-status";
import type { RunChange } from "../../run-events/run-change";
import type { RunChangeSubscriber } from "../../run-events/run-change-subscriber";

/** What a waiting delivery is answered with: a `respond` node's answer, or the run's end. */
export type WebhookAnswer =
  | { kind: "respond"; status: number; headers: Record<string, string>; body: unknown }
  | { kind: "ended"; runId: string; status: RunStatus; result?: unknown; error?: string | null };

/**
 * The deliveries of one API process that wait for their run (`response.mode: "wait"`, `?wait=`): each is a map
 * entry and a timer, no connection of its own. A change heard for a waited run (its end, or steps written: a
 * `respond` node's step is written as soon as it ran) marks it; the marked runs of a turn are read together in one
 * statement, at most one in flight.
 */
export type WebhookAnswerWaiter = {
  /** Resolves with the answer, or null once `timeoutMs` passed (or the process shuts down) first. */
  wait: (runId: string, timeoutMs: number) => Promise<WebhookAnswer | null>;
  size: () => number;
  close: () => void;
};

/**
 * The waited runs' answers (`ids`: a jsonb array of run ids), as the body of the function
 * switchyard_read_webhook_answers, whose kept plan reads by index (read-run-events.ts says why and how).
 */
const READ_SQL = `
SELECT r.id::text AS id, r.status, r.error, r.execute,
  CASE WHEN ${statusInSql("r.status", TERMINAL_STATUSES)} THEN r.input_payload END AS "inputPayload",
  CASE WHEN ${statusInSql("r.status", TERMINAL_STATUSES)} THEN r.output_payload END AS "outputPayload",
  (SELECT s.output FROM run_steps s
    WHERE s.run_id = r.id AND s.status = 'succeeded'
      AND s.node_id IN (SELECT n->>'id' FROM workflow_versions v, jsonb_array_elements(v.graph->'nodes') n
                         WHERE v.id = r.workflow_version_id AND n->>'type' = 'respond')
    ORDER BY s.id LIMIT 1) AS respond
FROM jsonb_array_elements_text(ids) AS q(id)
JOIN runs r ON r.id = q.id::uuid`;

/** The source of switchyard_read_webhook_answers as its migration defines it. */
export const READ_ANSWERS_FUNCTION_SOURCE = returnQuerySource(READ_SQL);

const CALL_SQL = `SELECT id, status, error, execute, "inputPayload", "outputPayload", respond
  FROM switchyard_read_webhook_answers($1::jsonb)`;

type Row = {
  id: string;
  status: RunStatus;
  error: string | null;
  execute: boolean;
  inputPayload: unknown;
  outputPayload: unknown;
  respond: unknown;
};
type Waiter = { resolve: (answer: WebhookAnswer | null) => void; timer: NodeJS.Timeout };

export function createWebhookAnswerWaiter(
  db: Queryable,
  subscriber: RunChangeSubscriber,
  logger: Logger,
  pollMs: number,
): WebhookAnswerWaiter {
  const waiting = new Map<string, Set<Waiter>>();
  const marked = new Set<string>();
  let reading = false;
  let scheduled = false;
  let unlisten: (() => void) | null = null;

  const schedule = () => {
    if (scheduled || reading || marked.size === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void readMarked();
    });
  };
  const markAll = () => {
    for (const id of waiting.keys()) marked.add(id);
    schedule();
  };
  const onChanges = (changes: RunChange[]) => {
    for (const c of changes) {
      if (waiting.has(c.run_id) && (c.status === null || isTerminal(c.status))) marked.add(c.run_id);
    }
    schedule();
  };
  const settle = (runId: string, answer: WebhookAnswer | null) => {
    const set = waiting.get(runId);
    if (set === undefined) return;
    waiting.delete(runId);
    for (const w of set) {
      clearTimeout(w.timer);
      w.resolve(answer);
    }
  };

  const readMarked = async () => {
    const ids = [...marked].filter((id) => waiting.has(id));
    marked.clear();
    if (ids.length === 0) return;
    reading = true;
    try {
      for (const row of await queryRows<Row>(db, CALL_SQL, [JSON.stringify(ids)], true)) {
        const answer = answerOf(row);
        if (answer !== null) settle(row.id, answer);
      }
    } catch (err) {
      logger.warn("waiting deliveries not read", { error: errorMessage(err) });
      for (const id of ids) marked.add(id);
    } finally {
      reading = false;
    }
    schedule();
  };

  const poll = setInterval(() => {
    if (waiting.size > 0) markAll();
  }, pollMs);
  poll.unref();

  return {
    wait: (runId, timeoutMs) =>
      new Promise((resolve) => {
        unlisten ??= subscriber.listen({ changes: onChanges, resync: markAll });
        const w: Waiter = { resolve, timer: setTimeout(() => leave(runId, w), timeoutMs) };
        let set = waiting.get(runId);
        if (set === undefined) waiting.set(runId, (set = new Set()));
        set.add(w);
      }),
    size: () => waiting.size,
    close: () => {
      clearInterval(poll);
      unlisten?.();
      for (const id of [...waiting.keys()]) settle(id, null);
    },
  };

  function leave(runId: string, w: Waiter) {
    const set = waiting.get(runId);
    set?.delete(w);
    if (set?.size === 0) waiting.delete(runId);
    w.resolve(null);
  }
}

/** A respond node's answer (the first one that ran) wins; then the run's end; null: still going. */
function answerOf(row: Row): WebhookAnswer | null {
  const r = row.respond as { status?: unknown; headers?: unknown; body?: unknown } | null;
  if (r !== null && typeof r === "object") {
    return {
      kind: "respond",
      status: typeof r.status === "number" ? r.status : 200,
      headers: typeof r.headers === "object" && r.headers !== null ? (r.headers as Record<string, string>) : {},
      body: r.body,
    };
  }
  if (!isTerminal(row.status)) return null;
  if (row.status !== "succeeded") return { kind: "ended", runId: row.id, status: row.status, error: row.error };
  return { kind: "ended", runId: row.id, status: row.status, result: resultOf(outputPayloadOf(row)) };
}
