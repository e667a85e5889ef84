import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { transitionRun } from "@switchyard/core/runs/transition-run";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

type FinalState = { final_state: { steps: Record<string, unknown> } };

describe("worker process", () => {
  let deps: TestDeps;
  let worker: ServiceProcess;
  let server: TestServer;

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
    worker = spawnService("worker", {
      ...deps.env,
      LOG_LEVEL: "info",
      WORKER_CONCURRENCY: "5",
      WORKER_ID: "worker-test",
    });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await worker.stop();
    await server.close();
    await deps.close();
  });

  /** Creates and enqueues a run of `graph`, then waits for its outcome. */
  const execute = async (graph: unknown, extra: { input?: unknown; runnableConfig?: unknown } = {}) => {
    const { runId } = await createTestRun(deps.db, graph, extra);
    await enqueueRuns(deps.queues, [runId]);
    return { runId, ...(await waitForOutcome(deps.db, runId)) };
  };
  const jobState = (jobId: string) =>
    eventually(async () => {
      const state = await (await deps.queues.runs.getJob(jobId))?.getState();
      return state === "completed" || state === "failed" ? state : undefined;
    });
  const statusesOf = (steps: { nodeId: string; status: string }[]) =>
    Object.fromEntries(steps.map((s) => [s.nodeId, s.status]));
  const http = (
    id: string,
    path: string,
    params: Record<string, unknown> = {},
    extra: Record<string, unknown> = {},
  ) => ({
    id,
    type: "http.request",
    params: { url: `${server.url}${path}`, ...params },
    ...extra,
  });

  it("logs its id and concurrency at start", async () => {
    const started = await worker.waitForLog((l) => l.message === "worker started");
    assert.equal(started.workerId, "worker-test");
    assert.equal(started.concurrency, 5);
  });

  it("executes a run end to end: status, final state, steps, audit and log lines", async () => {
    const graph = {
      nodes: [
        { id: "double", type: "set", params: { value: "{{ input.n * 2 }}" } },
        { id: "items", type: "transform", params: { expression: "[1, 2, 3].($ * $$.steps.double)" } },
        { id: "say", type: "log", params: { message: "{{ $count(steps.items) }} items for run {{ run.id }}" } },
      ],
      edges: [
        { from: "double", to: "items" },
        { from: "items", to: "say" },
      ],
    };
    const { runId, workflowId, run, steps, audit } = await (async () => {
      const created = await createTestRun(deps.db, graph, { input: { n: 5 } });
      await enqueueRuns(deps.queues, [created.runId]);
      return { ...created, ...(await waitForOutcome(deps.db, created.runId)) };
    })();
    assert.equal(run.status, "succeeded");
    assert.equal(run.attempt, 1);
    assert.equal(run.error, null);
    assert.ok(run.startedAt !== null && run.completedAt !== null);
    // The input is stored once, in input_payload (the API puts it back as final_state.input).
    assert.deepEqual(run.outputPayload, {
      final_state: { steps: { double: 10, items: [10, 20, 30], say: null } },
    });
    assert.deepEqual(
      steps.map((s) => [s.nodeId, s.attempt, s.status, s.output, s.log]),
      [
        ["double", 1, "succeeded", 10, null],
        ["items", 1, "succeeded", [10, 20, 30], null],
        ["say", 1, "succeeded", null, { level: "info", message: `3 items for run ${runId}` }],
      ],
    );
    assert.deepEqual(
      audit.map((a) => [a.action, a.actor]),
      [
        ["run_created", "test"],
        ["run_started", "worker"],
        ["run_succeeded", "worker"],
      ],
    );
    const jobId = `run-${runId}`;
    const started = await worker.waitForLog((l) => l.message === "run started" && l.runId === runId);
    assert.deepEqual([started.jobId, started.workflowId, started.attempt], [jobId, workflowId, 1]);
    const said = await worker.waitForLog((l) => l.message === "workflow log" && l.runId === runId);
    assert.deepEqual([said.text, said.nodeId, said.level], [`3 items for run ${runId}`, "say", "info"]);
    const completed = await worker.waitForLog((l) => l.message === "run completed" && l.runId === runId);
    assert.equal(completed.jobId, jobId);
    assert.equal(typeof completed.durationMs, "number");
  });

  it("fails a run at a fail node, naming the node, and completes the job without a retry", async () => {
    const { runId, run, audit } = await execute({
      nodes: [
        { id: "first", type: "set", params: { value: 1 } },
        { id: "boom", type: "fail", params: { message: "{{ 'gave up after ' & steps.first }}" } },
        { id: "never", type: "set", params: { value: 2 } },
      ],
      edges: [
        { from: "first", to: "boom" },
        { from: "boom", to: "never" },
      ],
    });
    assert.equal(run.status, "failed");
    assert.equal(run.error, "boom: gave up after 1");
    assert.equal(run.outputPayload, null);
    assert.deepEqual(audit.at(-1)?.metadata, { error: "boom: gave up after 1" });
    assert.deepEqual([audit.at(-1)?.action, audit.at(-1)?.actor], ["run_failed", "worker"]);
    assert.equal(await jobState(`run-${runId}`), "completed");
    const job = await deps.queues.runs.getJob(`run-${runId}`);
    // One attempt, which completed: a workflow error never makes BullMQ retry.
    assert.deepEqual([job?.attemptsMade, job?.failedReason], [1, undefined]);
    const failed = await worker.waitForLog((l) => l.message === "run failed" && l.runId === runId);
    assert.equal(failed.error, "boom: gave up after 1");
  });

  it("skips a cancelled run and an unknown run, completing their jobs", async () => {
    const { runId } = await createTestRun(deps.db, {
      nodes: [{ id: "a", type: "set", params: { value: 1 } }],
      edges: [],
    });
    await transitionRun(deps.db, { runId, to: "cancelled", actor: "test", action: "run_cancelled" });
    const unknown = randomUUID();
    await enqueueRuns(deps.queues, [runId, unknown]);
    const skipped = await worker.waitForLog((l) => l.runId === runId && l.jobId === `run-${runId}`);
    assert.equal(skipped.message, "run already in status cancelled, skipping");
    const missing = await worker.waitForLog((l) => l.runId === unknown);
    assert.equal(missing.message, "run not found, skipping");
    assert.equal(await jobState(`run-${runId}`), "completed");
    assert.equal(await jobState(`run-${unknown}`), "completed");
    const run = await deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    assert.deepEqual([run.status, run.attempt], ["cancelled", 0]);
    assert.equal(await deps.db.runStep.count({ where: { runId } }), 0);
  });

  it("refuses to record the outcome of a run taken over while it executed", async () => {
    const gate = createGate();
    server.route("/takeover", async () => {
      await gate.promise;
      return { body: "done" };
    });
    const { runId } = await createTestRun(deps.db, { nodes: [http("call", "/takeover")], edges: [] });
    await enqueueRuns(deps.queues, [runId]);
    await eventually(async () => (server.requests.some((r) => r.path === "/takeover") ? true : undefined));
    await deps.db.run.update({ where: { id: runId }, data: { attempt: { increment: 1 } } });
    gate.open();
    const refused = await worker.waitForLog((l) => l.message === "run outcome refused" && l.runId === runId);
    assert.equal(refused.reason, "run is running at attempt 2; this worker ran attempt 1");
    assert.equal(await jobState(`run-${runId}`), "completed");
    const run = await deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    assert.deepEqual([run.status, run.attempt, run.outputPayload], ["running", 2, null]);
  });

  it("calls HTTP endpoints: JSON and text bodies, an unexpected status and a timeout", async () => {
    const hang = createGate();
    server.route("/items", (req) => ({ body: { items: [{ price: 5 }, { price: 20 }], q: req.query.q } }));
    server.route("/hello", () => ({ body: "hello", headers: { "content-type": "text/plain" } }));
    server.route("/gone", () => ({ status: 410, body: "gone" }));
    server.route("/hang", async () => {
      await hang.promise;
      return { body: "late" };
    });
    const { run, steps } = await execute(
      {
        nodes: [
          http("items", "/items", { query: { q: "{{ input.q }}" } }),
          { id: "pick", type: "transform", params: { expression: "steps.items.body.items[price > 10]" } },
          http("hello", "/hello"),
          http("gone", "/gone", {}, { continue_on_error: true }),
          http("gone_ok", "/gone", { expect_status: [200, 410] }),
          http("hang", "/hang", { timeout_seconds: 0.2 }, { continue_on_error: true }),
        ],
        edges: [{ from: "items", to: "pick" }],
      },
      { input: { q: "cheap" } },
    );
    hang.open();
    assert.equal(run.status, "succeeded");
    const out = (run.outputPayload as FinalState).final_state.steps;
    assert.deepEqual((out.items as { body: unknown }).body, { items: [{ price: 5 }, { price: 20 }], q: "cheap" });
    assert.equal((out.items as { status: number }).status, 200);
    assert.deepEqual(out.pick, { price: 20 });
    assert.equal((out.hello as { body: unknown }).body, "hello");
    assert.match(
      (out.gone as { error: string }).error,
      /^unexpected status 410 from GET http:\/\/127\.0\.0\.1:\d+\/gone$/,
    );
    assert.deepEqual(
      [(out.gone_ok as { status: number }).status, (out.gone_ok as { body: unknown }).body],
      [410, "gone"],
    );
    assert.deepEqual(out.hang, { error: "request timed out after 0.2 seconds" });
    assert.equal(statusesOf(steps).gone, "failed");

    const failed = await execute({ nodes: [http("fetch", "/gone")], edges: [] });
    assert.equal(failed.run.status, "failed");
    assert.match(failed.run.error ?? "", /^fetch: unexpected status 410 from GET /);
  });

  it("follows when-edges and propagates skips", async () => {
    const { run, steps } = await execute(
      {
        nodes: [
          { id: "score", type: "set", params: { value: "{{ input.score }}" } },
          { id: "high", type: "set", params: { value: "high" } },
          { id: "low", type: "set", params: { value: "low" } },
          { id: "notify_high", type: "log", params: { message: "high score" } },
          { id: "report", type: "set", params: { value: "{{ steps.high ? steps.high : steps.low }}" } },
        ],
        edges: [
          { from: "score", to: "high", when: "steps.score >= 50" },
          { from: "score", to: "low", when: "steps.score < 50" },
          { from: "high", to: "notify_high" },
          { from: "high", to: "report" },
          { from: "low", to: "report" },
        ],
      },
      { input: { score: 10 } },
    );
    assert.equal(run.status, "succeeded");
    assert.deepEqual(statusesOf(steps), {
      score: "succeeded",
      high: "skipped",
      low: "succeeded",
      notify_high: "skipped",
      report: "succeeded",
    });
    assert.deepEqual((run.outputPayload as FinalState).final_state.steps, { score: 10, low: "low", report: "low" });
  });

  it("runs parallel branches at most max_parallel at once", async () => {
    // The first two requests are held until they overlap; every request then takes a moment, so a third one
    // running at the same time would show in the timestamps.
    server.route("/par", async (_req, n) => {
      if (n <= 2) await eventually(async () => (server.inFlight() >= 2 ? true : undefined), 5_000);
      await new Promise((r) => setTimeout(r, 50));
      return { body: "ok" };
    });
    const branches = ["b1", "b2", "b3", "b4"];
    const { run } = await execute(
      {
        nodes: [
          { id: "root", type: "set", params: { value: 1 } },
          ...branches.map((id) => http(id, "/par", { query: { b: id } })),
        ],
        edges: branches.map((to) => ({ from: "root", to })),
      },
      { runnableConfig: { max_parallel: 2 } },
    );
    assert.equal(run.status, "succeeded", run.error ?? "");
    const requests = server.requests.filter((r) => r.path === "/par");
    assert.equal(requests.length, 4);
    const overlap = Math.max(
      ...requests.map(
        (r) => requests.filter((o) => o.receivedAt <= r.receivedAt && (o.answeredAt ?? Infinity) > r.receivedAt).length,
      ),
    );
    assert.equal(overlap, 2);
  });

  it("retries a failing node with exponential backoff within the run", async () => {
    server.route("/flaky", (_req, n) => (n < 3 ? { status: 503, body: "busy" } : { body: { ok: true } }));
    const retry = { max_attempts: 3, initial_delay_seconds: 0.05, backoff_factor: 2, jitter_factor: 0 };
    const { runId, run, steps } = await execute({ nodes: [http("flaky", "/flaky", {}, { retry })], edges: [] });
    assert.equal(run.status, "succeeded");
    assert.deepEqual(statusesOf(steps), { flaky: "succeeded" });
    const at = server.requests.filter((r) => r.path === "/flaky").map((r) => r.receivedAt);
    assert.equal(at.length, 3);
    assert.ok(at[1]! - at[0]! >= 45, `first delay ${at[1]! - at[0]!} ms`);
    assert.ok(at[2]! - at[1]! >= 95, `second delay ${at[2]! - at[1]!} ms`);
    const retries = worker.logs.filter((l) => l.message === "node failed, retrying" && l.runId === runId);
    assert.deepEqual(
      retries.map((l) => [l.attempt, l.delayMs]),
      [
        [1, 50],
        [2, 100],
      ],
    );
  });

  it("goes on after a node with continue_on_error fails, giving it an {error} output", async () => {
    const { run, steps } = await execute({
      nodes: [
        { id: "risky", type: "fail", params: { message: "out of stock" }, continue_on_error: true },
        { id: "fallback", type: "set", params: { value: "handled: {{ steps.risky.error }}" } },
      ],
      edges: [{ from: "risky", to: "fallback" }],
    });
    assert.equal(run.status, "succeeded");
    assert.deepEqual((run.outputPayload as FinalState).final_state.steps, {
      risky: { error: "out of stock" },
      fallback: "handled: out of stock",
    });
    assert.deepEqual(
      steps.map((s) => [s.nodeId, s.status, s.error]),
      [
        ["risky", "failed", "out of stock"],
        ["fallback", "succeeded", null],
      ],
    );
  });

  it("fails a code node's endless loop and endless allocation while other runs on the same worker succeed", async () => {
    const code = (source: string, timeout = 30) => ({
      nodes: [{ id: "code", type: "code", params: { source, timeout_seconds: timeout } }],
      edges: [],
    });
    const spin = await createTestRun(deps.db, code("while (true) {}", 2));
    const hog = await createTestRun(deps.db, code("const a = []; for (;;) a.push(new Array(1e5).fill(a.length));"));
    const fine = await createTestRun(deps.db, code("return { doubled: input.n * 2, at: run.attempt };"), {
      input: { n: 21 },
    });
    await enqueueRuns(deps.queues, [spin.runId, hog.runId, fine.runId]);
    const ok = await waitForOutcome(deps.db, fine.runId);
    assert.equal(ok.run.status, "succeeded");
    assert.deepEqual((ok.run.outputPayload as FinalState).final_state.steps.code, { doubled: 42, at: 1 });
    const spun = await waitForOutcome(deps.db, spin.runId);
    assert.deepEqual([spun.run.status, spun.run.error], ["failed", "code: code timed out after 2 seconds"]);
    const hogged = await waitForOutcome(deps.db, hog.runId);
    assert.deepEqual([hogged.run.status, hogged.run.error], ["failed", "code: code ran out of memory (limit 64 MB)"]);
    assert.equal(worker.proc.exitCode, null, "the worker process lives on");
    const thrown = await execute(code("throw new Error('no ' + input.what);"), { input: { what: "luck" } });
    assert.deepEqual([thrown.run.status, thrown.run.error], ["failed", "code: no luck"]);
    const after = await execute(code("return steps;"));
    assert.equal(after.run.status, "succeeded");
  });

  it("renders whole-string templates with their type and inline templates as text", async () => {
    const { run } = await execute(
      {
        nodes: [
          {
            id: "shape",
            type: "set",
            params: {
              value: {
                n: "{{ input.n }}",
                flag: "{{ input.n > 1 }}",
                obj: "{{ input.obj }}",
                text: "n={{ input.n }}",
                objText: "obj={{ input.obj }}",
                run: "{{ run.triggered_by }}/{{ run.attempt }}",
              },
            },
          },
        ],
        edges: [],
      },
      { input: { n: 2, obj: { a: [1] } } },
    );
    assert.deepEqual((run.outputPayload as FinalState).final_state.steps.shape, {
      n: 2,
      flag: true,
      obj: { a: [1] },
      text: "n=2",
      objText: 'obj={"a":[1]}',
      run: "test/1",
    });
  });
});
