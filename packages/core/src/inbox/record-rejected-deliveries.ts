import type { RedisConnection } from "../redis";
import { coalescePerTurn } from "../coalesce";
import type { Db } from "../db";
import type { Logger } from "../logger";
import type { Metrics } from "../observability/metrics";
import { toInboxRecord, type InboxRecord, type InboxRejection, type InboxRequest } from "./inbox-entry";

/** Keeps a rejected delivery in the inbox; never throws, never awaited by the delivery's answer. */
export type RejectedDeliveryRecorder = (request: InboxRequest, rejection: InboxRejection) => void;

type RejectedRow = InboxRecord & { workflow_id: string; status: number; reason: string };

const INSERT_REJECTED_SQL = `INSERT INTO webhook_inbox (id, workflow_id, received_at, method, path, query, headers, body,
       body_size, body_truncated, source_ip, outcome, status, reason)
     SELECT e.id, e.workflow_id, e.received_at, e.method, e.path, e.query, e.headers, decode(e.body, 'base64'),
            e.body_size, e.body_truncated, e.source_ip, 'rejected', e.status, e.reason
     FROM jsonb_to_recordset($1::jsonb) AS e(id uuid, workflow_id uuid, received_at timestamptz, method text,
       path text, query jsonb, headers jsonb, body text, body_size int, body_truncated boolean, source_ip text,
       status int, reason text)`;

/** Seconds a minute's counter outlives its minute (so a counter is never read after it expired mid-minute). */
const COUNTER_TTL_SECONDS = 120;

/**
 * The inbox's writer of rejected deliveries, called once the answer is sent. Under a flood only the first
 * `perMinute` rejections per workflow and minute are kept: one atomic Redis counter per workflow and minute (under
 * QUEUE_PREFIX, shared by every api process) decides, the rest are counted in
 * `switchyard_inbox_rejected_dropped_total`. The rejections of one event-loop turn share one counter call per
 * workflow and one insert, so a flood costs few round trips. A failed write is logged and the entry lost: the
 * inbox never fails or slows a delivery.
 */
export function createRejectedDeliveryRecorder(deps: {
  db: Db;
  redis: RedisConnection;
  logger: Logger;
  metrics?: Pick<Metrics, "inboxRejectedDropped">;
  prefix: string;
  perMinute: number;
  maxBodyBytes: number;
  now?: () => number;
}): RejectedDeliveryRecorder {
  const now = deps.now ?? Date.now;
  const admit = coalescePerTurn<{ workflowId: string; minute: number }, boolean>({
    key: ({ workflowId, minute }) => `${workflowId}:${minute}`,
    settle: async (items) => {
      const { workflowId, minute } = items[0]!;
      const key = `${deps.prefix}:inbox:{${workflowId}}:rejected:${minute}`;
      const replies = await deps.redis.multi().incrby(key, items.length).expire(key, COUNTER_TTL_SECONDS).exec();
      const [err, count] = replies?.[0] ?? [new Error("no reply"), 0];
      if (err !== null) throw err;
      // The counter before this batch; the first ones up to the limit are kept.
      const before = Number(count) - items.length;
      return items.map((_, i) => before + i < deps.perMinute);
    },
    // A lost reply may have counted the batch: the entries are dropped then, not counted twice.
    retryAlone: () => false,
  });
  const insert = coalescePerTurn<RejectedRow, void>({
    settle: async (rows) => {
      await deps.db.pool.query(INSERT_REJECTED_SQL, [JSON.stringify(rows)]);
      return rows.map(() => undefined);
    },
  });

  const keep = async (request: InboxRequest, rejection: InboxRejection): Promise<void> => {
    if (
      deps.perMinute === 0 ||
      !(await admit({ workflowId: rejection.workflowId, minute: Math.floor(now() / 60_000) }))
    ) {
      deps.metrics?.inboxRejectedDropped(1);
      return;
    }
    const record = toInboxRecord(request, rejection.rawBody, rejection.config, deps.maxBodyBytes);
    await insert({ ...record, workflow_id: rejection.workflowId, status: rejection.status, reason: rejection.reason });
  };
  return (request, rejection) => {
    keep(request, rejection).catch((err: unknown) =>
      deps.logger.warn("inbox entry of a rejected delivery not written", {
        workflowId: rejection.workflowId,
        err: err instanceof Error ? err.message : String(err),
      }),
    );
  };
}
