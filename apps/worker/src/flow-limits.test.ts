import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { waitForOutcome } from "@switchyard/core/testing/create-test-run";
import { createTestWorkflow } from "@switchyard/core/testing/run-fixtures";
import { updateConcurrencyLimits } from "@switchyard/core/flow/concurrency-limits";
import { updateRateLimit } from "@switchyard/core/flow/rate-limit";

/** The most intervals open at once, from the runs' start and finish audit entries (one database clock). */
function maxOverlap(intervals: readonly { start: Date; end: Date }[]): number {
  const events = intervals.flatMap((i) => [
    { at: i.start.getTime(), d: 1 },
    { at: i.end.getTime(), d: -1 },
  ]);
  // A finish before a start at the same instant: a slot freed is taken after.
  events.sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (open += e.d));
  return max;
}

describe("flow limits across two worker processes", () => {
  let deps: TestDeps;
  let server: TestServer;
  const workers: ServiceProcess[] = [];
  const gate = createGate();

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
    server.route("/work", async () => {
      await gate.promise;
      return { body: "done" };
    });
    for (const id of ["limits-a", "limits-b"]) {
      const worker = spawnService("worker", { ...deps.env, WORKER_ID: id, WORKER_CONCURRENCY: "4", LOG_LEVEL: "info" });
      workers.push(worker);
      await worker.waitForLog((l) => l.message === "worker started");
    }
  });
  after(async () => {
    gate.open();
    await Promise.all(workers.map((w) => w.stop()));
    await server.close();
    await deps.close();
  });

  it("keeps max_running and max_running_per_key, runs different keys in parallel and finishes every run", async () => {
    const graph = {
      nodes: [{ id: "work", type: "http.request", params: { url: `${server.url}/work?c={{ input.customer }}` } }],
      edges: [],
    };
    const workflow = await createTestWorkflow(deps.db, { name: "limited" }, graph);
    await updateConcurrencyLimits(deps.db, workflow.workflowId, {
      max_running: 2,
      key: "input.customer",
      max_running_per_key: 1,
    });
    // Three customers, four runs each, created in one statement (interleaved: a, b, c, a, b, c, ...).
    const created = await createRuns(
      deps.db,
      Array.from({ length: 12 }, (_, i) => ({
        ...workflow,
        triggeredBy: "test",
        execute: true,
        actor: "test",
        inputPayload: { customer: ["a", "b", "c"][i % 3] },
      })),
    );
    const ids = created.map((c) => c.run.id);
    await enqueueRuns(deps.queues, ids);

    // While the first runs hold their calls open: two run, of two customers, and the ten others wait for a slot.
    const blocked = await eventually(async () => {
      const n = await deps.db.run.count({ where: { id: { in: ids }, status: "pending", blockedBy: "concurrency" } });
      return n === 10 ? n : undefined;
    });
    assert.equal(blocked, 10);
    const running = await deps.db.run.findMany({ where: { id: { in: ids }, status: "running" } });
    assert.equal(running.length, 2);
    const customers = running.map((r) => (r.inputPayload as { customer: string }).customer);
    assert.equal(new Set(customers).size, 2, `running customers: ${customers.join(", ")}`);
    // A run is marked running before its node calls out: await the second call, then check no third came.
    const calls = await eventually(async () => {
      const n = server.requests.filter((r) => r.path === "/work").length;
      return n >= 2 ? n : undefined;
    });
    assert.equal(calls, 2);

    gate.open();
    const outcomes = await Promise.all(ids.map((id) => waitForOutcome(deps.db, id, 60_000)));
    assert.deepEqual(
      outcomes.map((o) => o.run.status),
      ids.map(() => "succeeded"),
    );
    const intervals = outcomes.map(({ run, audit }) => ({
      customer: (run.inputPayload as { customer: string }).customer,
      start: audit.find((a) => a.action === "run_started")!.at,
      end: audit.find((a) => a.action === "run_succeeded")!.at,
    }));
    assert.equal(maxOverlap(intervals), 2);
    for (const customer of ["a", "b", "c"]) {
      assert.equal(maxOverlap(intervals.filter((i) => i.customer === customer)), 1, `customer ${customer}`);
    }
    // Each run started once: a refused start changes nothing.
    assert.ok(outcomes.every((o) => o.run.attempt === 1 && o.run.blockedBy === null));
  });

  it("spreads starts over the rate limit's windows and loses no run", async () => {
    server.route("/fast", () => ({ body: "done" }));
    const graph = { nodes: [{ id: "work", type: "http.request", params: { url: `${server.url}/fast` } }], edges: [] };
    const workflow = await createTestWorkflow(deps.db, { name: "rate limited" }, graph);
    await updateRateLimit(deps.db, workflow.workflowId, { limit: 2, interval_seconds: 1 });
    const created = await createRuns(
      deps.db,
      Array.from({ length: 7 }, (_, i) => ({
        ...workflow,
        triggeredBy: "test",
        execute: true,
        actor: "test",
        inputPayload: { i },
      })),
    );
    const ids = created.map((c) => c.run.id);
    await enqueueRuns(deps.queues, ids);
    const waiting = await eventually(async () => {
      const n = await deps.db.run.count({ where: { id: { in: ids }, blockedBy: "rate_limit", runAt: { not: null } } });
      return n > 0 ? n : undefined;
    });
    assert.ok(waiting > 0);
    const outcomes = await Promise.all(ids.map((id) => waitForOutcome(deps.db, id, 60_000)));
    assert.deepEqual(
      outcomes.map((o) => o.run.status),
      ids.map(() => "succeeded"),
    );
    // Fixed one-second windows of the database clock: never more than two starts in one, so at least four windows.
    const perWindow = new Map<number, number>();
    for (const { run } of outcomes) {
      const window = Math.floor(run.startedAt!.getTime() / 1_000);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }
    assert.ok(
      [...perWindow.values()].every((n) => n <= 2),
      JSON.stringify([...perWindow]),
    );
    assert.ok(perWindow.size >= 4, JSON.stringify([...perWindow]));
    assert.ok(outcomes.every((o) => o.run.attempt === 1));
  });

  it("starts the run a freed slot wakes in the job of the run that freed it, oldest first", async () => {
    const held = createGate();
    server.route("/held", async () => {
      await held.promise;
      return { body: "done" };
    });
    const graph = { nodes: [{ id: "work", type: "http.request", params: { url: `${server.url}/held` } }], edges: [] };
    const workflow = await createTestWorkflow(deps.db, { name: "handed over" }, graph);
    await updateConcurrencyLimits(deps.db, workflow.workflowId, {
      max_running: null,
      key: "input.customer",
      max_running_per_key: 1,
    });
    const ids: string[] = [];
    // One statement each: their creation order is the order they must run in.
    for (let i = 0; i < 4; i++) {
      const [created] = await createRuns(deps.db, [
        { ...workflow, triggeredBy: "test", execute: true, actor: "test", inputPayload: { customer: "solo", i } },
      ]);
      ids.push(created!.run.id);
    }
    // The first holds the key's slot until the three others were refused one and marked.
    await enqueueRuns(deps.queues, ids.slice(0, 1));
    await eventually(async () =>
      (await deps.db.run.count({ where: { id: ids[0], status: "running" } })) === 1 ? 1 : undefined,
    );
    await enqueueRuns(deps.queues, ids.slice(1));
    await eventually(async () => {
      const n = await deps.db.run.count({ where: { id: { in: ids }, status: "pending", blockedBy: "concurrency" } });
      return n === 3 ? n : undefined;
    });
    held.open();
    const outcomes = await Promise.all(ids.map((id) => waitForOutcome(deps.db, id, 60_000)));
    assert.deepEqual(
      outcomes.map((o) => o.run.status),
      ids.map(() => "succeeded"),
    );
    const starts = outcomes.map(({ audit }) => audit.find((a) => a.action === "run_started")!.at.getTime());
    assert.deepEqual(
      [...starts].sort((a, b) => a - b),
      starts,
    );
    const intervals = outcomes.map(({ audit }) => ({
      start: audit.find((a) => a.action === "run_started")!.at,
      end: audit.find((a) => a.action === "run_succeeded")!.at,
    }));
    assert.equal(maxOverlap(intervals), 1);
    // Each woken run started in the job of the run before it (its log names that job): no wake job went through
    // the queue.
    const startLines = workers
      .flatMap((w) => w.logs)
      .filter((l) => l.message === "run started" && ids.includes(l.runId as string));
    const jobOf = new Map(startLines.map((l) => [l.runId as string, l.jobId as string]));
    assert.deepEqual(
      ids.map((id) => jobOf.get(id)),
      ids.map(() => `run-${ids[0]}`),
    );
  });
});
