import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { runJobId } from "@switchyard/core/jobs/catalog";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import type { Db } from "@switchyard/core/db";
import { isTerminal, type RunStatus } from "@switchyard/core/runs/run-status";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

/** The run once it reached a terminal status. */
const waitForOutcome = async (db: Db, runId: string) => ({
  run: await eventually(
    async () => {
      const row = await db.run.findUnique({ where: { id: runId } });
      return row !== null && isTerminal(row.status as RunStatus) ? row : undefined;
    },
    20_000,
    `run ${runId} to finish`,
  ),
});

/** The runs API's controls over executed runs, against a real worker process. */
describe("run control with a worker", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let server: TestServer;
  const gates: { open: () => void }[] = [];

  before(async () => {
    api = await startTestApi();
    server = await startTestServer();
    worker = spawnService("worker", {
      ...api.deps.env,
      LOG_LEVEL: "info",
      RUN_TIMEOUT_SECONDS: "1",
      WORKER_CONCURRENCY: "4",
    });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    for (const gate of gates) gate.open();
    await worker.stop();
    await server.close();
    await api.close();
  });

  /** A workflow with one version of `graph`; returns its id and the version's id. */
  const createWorkflow = async (graph: unknown, runnableConfig?: unknown) => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: "controlled" } })).body;
    const version = await api.request("POST", `/api/workflows/${wf.id}/versions`, {
      body: { graph, runnable_config: runnableConfig },
    });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    return { workflowId: wf.id as string, versionId: version.body.id as string };
  };
  const hangingRoute = (path: string) => {
    const gate = createGate();
    gates.push(gate);
    server.route(path, async () => {
      await gate.promise;
      return { body: "late" };
    });
  };
  const http = (id: string, path: string) => ({ id, type: "http.request", params: { url: `${server.url}${path}` } });

  it("executes a run created through the runs API with execute: true", async () => {
    const { workflowId, versionId } = await createWorkflow({
      nodes: [{ id: "a", type: "set", params: { value: "{{ input.n * 3 }}" } }],
      edges: [],
    });
    const created = await api.request("POST", `/api/workflows/${workflowId}/runs`, {
      body: { workflow_version_id: versionId, triggered_by: "api", input_payload: { n: 2 }, execute: true },
    });
    const { run } = await waitForOutcome(api.deps.db, created.body.id);
    assert.equal(run.status, "succeeded");
    // The input is stored once, in input_payload; every answer of the API shows final_state.input as before.
    assert.deepEqual(run.outputPayload, { final_state: { steps: { a: 6 } } });
    const expected = { final_state: { input: { n: 2 }, steps: { a: 6 } } };
    const read = await api.request("GET", `/api/runs/${run.id}`);
    assert.deepEqual(read.body.output_payload, expected);
    assert.ok(read.text.includes(`"output_payload":{"final_state":{"input":{"n":2},"steps":{"a":6}}}`), read.text);
    const page = await api.request("GET", `/api/workflows/${workflowId}/runs`);
    assert.deepEqual(page.body[0].output_payload, expected);
    const search = await api.request("GET", `/api/runs?workflow=${workflowId}`);
    assert.deepEqual(search.body[0].output_payload, expected);
  });

  it("executes the retry of a failed run, which then succeeds", async () => {
    server.route("/second-time", (_req, n) => (n === 1 ? { status: 500, body: "down" } : { body: { ok: n } }));
    const { workflowId } = await createWorkflow({ nodes: [http("call", "/second-time")], edges: [] });
    const [first] = (
      await api.request("POST", "/api/triggers/manual/dispatch", {
        body: { workflow_id: workflowId, runs: [{ input_payload: { k: 1 } }] },
      })
    ).body;
    assert.equal((await waitForOutcome(api.deps.db, first.id)).run.status, "failed");
    const retry = await api.request("POST", `/api/runs/${first.id}/retry`, { body: {} });
    assert.equal(retry.status, 201);
    const { run } = await waitForOutcome(api.deps.db, retry.body.id);
    assert.equal(run.status, "succeeded");
    assert.equal(run.retryOf, first.id);
    assert.deepEqual(run.inputPayload, { k: 1 });
  });

  it("starts a manual run with run_at no earlier than that time, also when its job comes early", async () => {
    const { workflowId } = await createWorkflow({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] });
    const runAt = new Date(Math.ceil((Date.now() + 2_000) / 1_000) * 1_000);
    const [timed, early] = (
      await api.request("POST", "/api/triggers/manual/dispatch", {
        body: { workflow_id: workflowId, runs: [{ run_at: runAt.toISOString() }, { run_at: runAt.toISOString() }] },
      })
    ).body;
    // The second run's job is lost and added again without a delay (as an older reconciler would).
    await (await api.deps.queues.runs.getJob(runJobId(early.id)))?.remove();
    await enqueueRuns(api.deps.queues, [early.id]);
    for (const id of [timed.id, early.id]) {
      const { run } = await waitForOutcome(api.deps.db, id);
      assert.equal(run.status, "succeeded");
      const lateBy = run.startedAt!.getTime() - runAt.getTime();
      assert.ok(lateBy >= 0 && lateBy < 1_000, `started ${lateBy} ms after run_at`);
    }
    const postponed = await worker.waitForLog((l) => l.message === "run not due yet, postponing its job");
    assert.equal(postponed.runId, early.id);
  });

  it("cancels a running run on its worker within 2 seconds, aborting its in-flight request, with no retry", async () => {
    // A server that never answers and notes when the worker hangs up on it.
    const hits: { at: number; closedAt: number | null }[] = [];
    const hanging: Server = createServer((req) => {
      const hit = { at: Date.now(), closedAt: null as number | null };
      hits.push(hit);
      req.socket.on("close", () => (hit.closedAt = Date.now()));
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/forever`;
      const { workflowId } = await createWorkflow(
        {
          nodes: [
            { id: "call", type: "http.request", params: { url, timeout_seconds: 600 } },
            { id: "after", type: "set", params: { value: 1 } },
          ],
          edges: [{ from: "call", to: "after" }],
          // Longer than this file's RUN_TIMEOUT_SECONDS: only the cancel stops it.
        },
        { timeout_seconds: 600 },
      );
      const [run] = (
        await api.request("POST", "/api/triggers/manual/dispatch", {
          body: { workflow_id: workflowId, runs: [{}] },
        })
      ).body;
      await eventually(async () => (hits.length > 0 ? true : undefined));
      const cancelledAt = Date.now();
      const cancel = await api.request("POST", `/api/runs/${run.id}/cancel`, {
        body: { actor: "ops", reason: "stop" },
      });
      assert.deepEqual([cancel.status, cancel.body.status], [200, "cancelled"]);
      const closedAt = await eventually(async () => hits[0]!.closedAt ?? undefined, 2_000, "the request to be aborted");
      assert.ok(closedAt - cancelledAt < 2_000);
      await worker.waitForLog((l) => l.message === "run cancelled while executing" && l.runId === run.id, 2_000);
      const row = await api.deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
      assert.deepEqual([row.status, row.attempt, row.error], ["cancelled", 1, "stop"]);
      const steps = await api.deps.db.runStep.findMany({ where: { runId: run.id } });
      assert.deepEqual(
        steps.map((s) => [s.nodeId, s.status, s.error]),
        [["call", "failed", "Run cancelled"]],
      );
      const job = await api.deps.queues.runs.getJob(runJobId(run.id));
      assert.deepEqual([await job?.getState(), job?.attemptsMade], ["completed", 1]);
      // A later execute_run for it is a no-op.
      await job?.remove();
      await enqueueRuns(api.deps.queues, [run.id]);
      await worker.waitForLog((l) => l.message === "run already in status cancelled, skipping" && l.runId === run.id);
      assert.equal(hits.length, 1);
      assert.equal((await api.deps.db.run.findUniqueOrThrow({ where: { id: run.id } })).attempt, 1);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it("cancels a run while its code node loops, and the worker goes on serving code", async () => {
    const { workflowId } = await createWorkflow(
      { nodes: [{ id: "spin", type: "code", params: { source: "while (true) {}", timeout_seconds: 600 } }], edges: [] },
      { timeout_seconds: 600 },
    );
    const dispatch = async () =>
      (await api.request("POST", "/api/triggers/manual/dispatch", { body: { workflow_id: workflowId, runs: [{}] } }))
        .body[0].id as string;
    const runId = await dispatch();
    await worker.waitForLog((l) => l.message === "run started" && l.runId === runId);
    const cancel = await api.request("POST", `/api/runs/${runId}/cancel`, { body: {} });
    assert.equal(cancel.body.status, "cancelled");
    await worker.waitForLog((l) => l.message === "run cancelled while executing" && l.runId === runId, 2_000);
    const steps = await api.deps.db.runStep.findMany({ where: { runId } });
    assert.deepEqual(
      steps.map((s) => [s.nodeId, s.status, s.error]),
      [["spin", "failed", "Run cancelled"]],
    );
    const { workflowId: other } = await createWorkflow({
      nodes: [{ id: "c", type: "code", params: { source: "return 'still here';" } }],
      edges: [],
    });
    const next = (
      await api.request("POST", "/api/triggers/manual/dispatch", { body: { workflow_id: other, runs: [{}] } })
    ).body[0].id as string;
    assert.equal((await waitForOutcome(api.deps.db, next)).run.status, "succeeded");
  });

  it("fails a run after RUN_TIMEOUT_SECONDS, unless runnable_config sets its own timeout", async () => {
    hangingRoute("/hang");
    const { workflowId, versionId } = await createWorkflow({ nodes: [http("wait", "/hang")], edges: [] });
    const start = async (runnableConfig?: unknown) =>
      (
        await api.request("POST", `/api/workflows/${workflowId}/runs`, {
          body: { workflow_version_id: versionId, triggered_by: "api", runnable_config: runnableConfig, execute: true },
        })
      ).body.id as string;
    const [byWorker, byRun] = await Promise.all([start(), start({ timeout_seconds: 0.3 })]);
    const worker1 = await waitForOutcome(api.deps.db, byWorker);
    assert.deepEqual([worker1.run.status, worker1.run.error], ["failed", "Run timed out after 1 seconds"]);
    const run = await waitForOutcome(api.deps.db, byRun);
    assert.deepEqual([run.run.status, run.run.error], ["failed", "Run timed out after 0.3 seconds"]);
  });
});
