import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Queues } from "../jobs/queues";
import { collectQueueDepth, collectRoutingQueues } from "./queue-depth";
import type { Db } from "../db";
import type { CronOutcome } from "../triggers/cron/cron-occurrences";

/** The trigger label: the fixed ones by name; every other triggered_by (free text from the API) is "manual". */
export type RunTrigger = "webhook" | "cron" | "manual";
/** What a worker recorded for an execution it finished. */
export type RunFinishStatus = "succeeded" | "failed" | "retry_scheduled";

/**
 * One process's metrics: a registry of its own (built in main.ts, passed in deps) and typed recorders. Every
 * recorder only changes memory; whatever needs I/O (queue depth) is read at scrape time.
 */
export type Metrics = {
  registry: Registry;
  runsCreated: (runs: readonly { triggeredBy: string }[]) => void;
  /** A first attempt started: observes the wait from created_at (or a later run_at) to started_at. */
  runStarted: (run: { attempt: number; createdAt: Date; runAt: Date | null; startedAt: Date | null }) => void;
  runFinished: (status: RunFinishStatus, durationMs: number) => void;
  activeRunsChanged: (delta: 1 | -1) => void;
  webhookRejected: (status: number, reason: string) => void;
  cronOccurrences: (outcome: CronOutcome, count: number) => void;
  reconcilerRepaired: (count: number) => void;
  /** Rejected webhook deliveries not kept in the inbox (over INBOX_REJECTED_PER_MINUTE, or per minute 0). */
  inboxRejectedDropped: (count: number) => void;
  /** `cron.missed` raised for an occurrence (once per occurrence across beats). */
  cronMissed: (workflowId: string, count: number) => void;
  /** An outgoing event's delivery ended: delivered (a 2xx) or failed (its retry window passed). */
  eventDelivered: (outcome: "delivered" | "failed") => void;
  /** One attempt to send an outgoing event failed (non-2xx, network error, timeout). */
  eventAttemptFailed: () => void;
  /** Age of the oldest due pending delivery, read by a worker's sender at each poll. */
  outboxLag: (seconds: number) => void;
};

/** Execution time of one attempt (or resumed segment), from its start to its recorded outcome. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** `queues`: the process whose scrape reports queue depth (the API). */
export function createMetrics(
  options: {
    queues?: Pick<Queues, "runs" | "beat" | "runQueue">;
    /** With `queues`: the routing queues' gauges, read from Postgres (workflows, live workers) and Redis. */
    routing?: { db: Db; heartbeatSeconds: number };
  } = {},
): Metrics {
  const registry = new Registry();
  // Unprefixed process_* / nodejs_* names, so the usual Node.js dashboards work as they are.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const created = new Counter({
    name: "switchyard_runs_created_total",
    help: "Runs created, by trigger (webhook, cron, manual: runs created through the API)",
    labelNames: ["trigger"] as const,
    registers,
  });
  const finished = new Counter({
    name: "switchyard_runs_finished_total",
    help: "Executions a worker finished, by recorded status (succeeded, failed, retry_scheduled)",
    labelNames: ["status"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "switchyard_run_duration_seconds",
    help: "Execution time of an attempt in the worker, from its start (or resume) to its recorded outcome",
    labelNames: ["status"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const startLatency = new Histogram({
    name: "switchyard_run_start_latency_seconds",
    help: "First attempts: from created_at (or run_at when later) to started_at",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const active = new Gauge({
    name: "switchyard_worker_active_runs",
    help: "Runs this worker is executing now",
    registers,
  });
  const rejections = new Counter({
    name: "switchyard_webhook_rejections_total",
    help: "Webhook deliveries refused, by HTTP status and reason",
    labelNames: ["status", "reason"] as const,
    registers,
  });
  const cron = new Counter({
    name: "switchyard_cron_occurrences_total",
    help: "Cron dispatch decisions by outcome; an occurrence held back by the overlap guard counts at every tick",
    labelNames: ["outcome"] as const,
    registers,
  });
  const repairs = new Counter({
    name: "switchyard_reconciler_repairs_total",
    help: "Pending runs whose lost or missing execute_run job the reconciler added again",
    registers,
  });
  const inboxDropped = new Counter({
    name: "switchyard_inbox_rejected_dropped_total",
    help: "Rejected webhook deliveries not kept in the inbox: over INBOX_REJECTED_PER_MINUTE for their workflow and minute",
    registers,
  });
  const cronMissed = new Counter({
    name: "switchyard_cron_missed_total",
    help: "Cron occurrences without a succeeded run within expect.within_seconds (cron.missed), by workflow id",
    labelNames: ["workflow"] as const,
    registers,
  });
  const eventDeliveries = new Counter({
    name: "switchyard_event_deliveries_total",
    help: "Outgoing event deliveries ended, by outcome: delivered (a 2xx) or failed (no 2xx within the retry window)",
    labelNames: ["outcome"] as const,
    registers,
  });
  const eventAttemptFailures = new Counter({
    name: "switchyard_event_delivery_failures_total",
    help: "Attempts to send an outgoing event that failed (non-2xx, network error or timeout); each is retried",
    registers,
  });
  const outboxLag = new Gauge({
    name: "switchyard_event_outbox_lag_seconds",
    help: "Age of the oldest due pending outgoing event delivery (0: none due), as this worker's sender last read it",
    registers,
  });
  if (options.queues !== undefined) collectQueueDepth(registry, options.queues);
  if (options.queues !== undefined && options.routing !== undefined) {
    collectRoutingQueues(
      registry,
      { db: options.routing.db, queues: options.queues },
      options.routing.heartbeatSeconds,
    );
  }

  return {
    registry,
    runsCreated: (runs) => {
      for (const run of runs) created.inc({ trigger: toTrigger(run.triggeredBy) });
    },
    runStarted: (run) => {
      if (run.attempt !== 1 || run.startedAt === null) return;
      const from = run.runAt !== null && run.runAt > run.createdAt ? run.runAt : run.createdAt;
      startLatency.observe(Math.max(0, run.startedAt.getTime() - from.getTime()) / 1_000);
    },
    runFinished: (status, durationMs) => {
      finished.inc({ status });
      duration.observe({ status }, durationMs / 1_000);
    },
    activeRunsChanged: (delta) => active.inc(delta),
    webhookRejected: (status, reason) => rejections.inc({ status: String(status), reason }),
    cronOccurrences: (outcome, count) => {
      if (count > 0) cron.inc({ outcome }, count);
    },
    reconcilerRepaired: (count) => {
      if (count > 0) repairs.inc(count);
    },
    inboxRejectedDropped: (count) => inboxDropped.inc(count),
    cronMissed: (workflowId, count) => {
      if (count > 0) cronMissed.inc({ workflow: workflowId }, count);
    },
    eventDelivered: (outcome) => eventDeliveries.inc({ outcome }),
    eventAttemptFailed: () => eventAttemptFailures.inc(),
    outboxLag: (seconds) => outboxLag.set(seconds),
  };
}

function toTrigger(triggeredBy: string): RunTrigger {
  return triggeredBy === "webhook" || triggeredBy === "cron" ? triggeredBy : "manual";
}
