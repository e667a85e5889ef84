import assert from "node:assert/strict";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { eventually } from "@switchyard/core/testing/service-process";
import { createWorkflow, runFigures, type FaultDeps } from "./fault-deps";
import { spawnServices } from "./fault-processes";

export type FailoverFigures = {
  accepted: number;
  in_flight_at_failover: number;
  terminal: number;
  succeeded: number;
  /** Runs started twice or with a step recorded twice (Postgres). */
  executed_twice: number;
  /** Runs whose side effect (the HTTP call) was made more than once. */
  called_twice: number;
  refused_during_failover: number;
  failover_ms: number;
  recovery_ms: number;
  /** The errors of the runs that did not succeed and how many runs had each, as JSON (absent when all succeeded). */
  errors?: string;
};

/**
 * Webhook deliveries to an api, two workers and a beat over `deps`' Postgres (a private one: the held runs need more
 * connections than a shared server spares) and Redis: `before` runs held in an HTTP call while
 * `failover` takes their Redis master away (resolving once a replica serves), `during` deliveries sent while it
 * happens, `after` once it is over. Every run Postgres accepted must complete, its side effect called once.
 */
export async function runThroughFailover(
  deps: FaultDeps,
  failover: () => Promise<void>,
  counts: { before: number; during: number; after: number },
): Promise<FailoverFigures> {
  const server = await startTestServer();
  const services = await spawnServices(
    {
      ...deps.env,
      // Two workers share the runs held in flight (each opens a connection per four runs it executes).
      WORKER_CONCURRENCY: String(Math.ceil(counts.before / 2)),
      WEBHOOK_DEFAULT_RATE_LIMIT: "off",
      SCHEDULER_REFRESH_SECONDS: "3600",
      CRON_DISPATCH_INTERVAL: "60",
      WORKER_WATCHDOG_SECONDS: "10",
    },
    { workers: 2, beats: 1 },
  );
  try {
    await Promise.all(services.workers.map((w) => w.waitForLog((l) => l.message === "worker started", 60_000)));
    const gate = createGate();
    server.route("/work", async () => {
      await gate.promise;
      return { body: { ok: true } };
    });
    const { workflowId } = await createWorkflow(deps.db, {
      // Each call is held until all `before` runs are in flight and the failover is over: on a busy machine the
      // first ones can wait longer than the node's default 30 s timeout, which would fail them for the harness's
      // sake, not the failover's.
      nodes: [
        {
          id: "call",
          type: "http.request",
          params: { url: `${server.url}/work?run={{ run.id }}`, timeout_seconds: 180 },
        },
      ],
      edges: [],
    });
    const put = await fetch(`${services.apiUrl}/api/workflows/${workflowId}/triggers/webhook/config`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(put.status, 200, await put.text());
    const deliver = (count: number) =>
      Promise.all(
        Array.from({ length: count }, async (_, n) => {
          const res = await fetch(`${services.apiUrl}/api/workflows/${workflowId}/triggers/webhook`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ n }),
          }).catch(() => null);
          return res?.status ?? 0;
        }),
      );

    const before = await deliver(counts.before);
    assert.ok(
      before.every((s) => s === 202),
      `before the failover every delivery is accepted: ${before.join(",")}`,
    );
    await eventually(async () => (server.inFlight() === counts.before ? true : undefined), 90_000, "runs in flight");
    const failoverStarted = Date.now();
    const [during] = await Promise.all([deliver(counts.during), failover()]);
    const failoverMs = Date.now() - failoverStarted;
    gate.open();
    const after = await eventually(
      async () => {
        const answers = await deliver(1);
        return answers[0] === 202 ? answers : undefined;
      },
      60_000,
      "a delivery accepted after the failover",
    );
    const rest = await deliver(counts.after - 1);
    const recoveryStarted = Date.now();
    const ids = async () =>
      (await deps.db.run.findMany({ where: { workflowId }, select: { id: true } })).map((r) => r.id);
    const figures = await eventually(
      async () => {
        const f = await runFigures(deps.db, await ids());
        return f.terminal === f.rows.length ? f : undefined;
      },
      180_000,
      "every accepted run terminal",
    ).catch(async (err: unknown) => {
      const f = await runFigures(deps.db, await ids());
      const stuck = f.rows.filter((r) => !["succeeded", "failed", "cancelled"].includes(r.status));
      const statuses = stuck.reduce<Record<string, number>>(
        (n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }),
        {},
      );
      // The last lines of each process, so one chatty process does not hide the others (the beat's reconciler).
      const lines = [...services.workers, ...services.beats, services.api].flatMap((p) =>
        p.logs.filter((l) => l.level !== "info" || stuck.some((r) => r.id === l.runId)).slice(-10),
      );
      throw new Error(`${String(err)}: ${stuck.length} stuck ${JSON.stringify(statuses)} ${JSON.stringify(lines)}`);
    });
    const perRun = new Map<string, number>();
    for (const r of server.requests) perRun.set(r.query.run ?? "", (perRun.get(r.query.run ?? "") ?? 0) + 1);
    const acceptedAnswers = [...before, ...during, ...after, ...rest].filter((s) => s === 202).length;
    // A delivery answered 202 has its run; one refused during the failover (503) may still have been committed.
    assert.ok(figures.rows.length >= acceptedAnswers, `${figures.rows.length} runs for ${acceptedAnswers} 202s`);
    assert.ok(services.allAlive(), "no process exited");
    const errors = figures.rows
      .filter((r) => r.status !== "succeeded")
      .reduce<Record<string, number>>(
        (n, r) => ({ ...n, [r.error ?? r.status]: (n[r.error ?? r.status] ?? 0) + 1 }),
        {},
      );
    return {
      accepted: figures.rows.length,
      in_flight_at_failover: counts.before,
      terminal: figures.terminal,
      succeeded: figures.succeeded,
      executed_twice: figures.executedTwice,
      called_twice: [...perRun.values()].filter((n) => n > 1).length,
      refused_during_failover: during.filter((s) => s !== 202).length,
      failover_ms: failoverMs,
      recovery_ms: Date.now() - recoveryStarted,
      ...(Object.keys(errors).length > 0 && { errors: JSON.stringify(errors) }),
    };
  } finally {
    await services.stop();
    await server.close();
  }
}
