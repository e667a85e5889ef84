import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Db } from "@switchyard/core/db";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { runJobId } from "@switchyard/core/jobs/catalog";
import { isTerminal, type RunStatus } from "@switchyard/core/runs/run-status";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

type FinalState = { final_state: { steps: Record<string, unknown> } };

const statusOf = async (db: Db, runId: string) => (await db.run.findUniqueOrThrow({ where: { id: runId } })).status;
const waitForStatus = (db: Db, runId: string, want: (s: RunStatus) => boolean) =>
  eventually(
    async () => {
      const row = await db.run.findUniqueOrThrow({ where: { id: runId } });
      return want(row.status as RunStatus) ? row : undefined;
    },
    20_000,
    `run ${runId} status`,
  );

/** delay and wait_for_signal park the run durably: a worker with one slot serves other runs meanwhile. */
describe("durable waits", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let server: TestServer;

  before(async () => {
    api = await startTestApi();
    server = await startTestServer();
    worker = spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info", WORKER_CONCURRENCY: "1" });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await worker.stop();
    await server.close();
    await api.close();
  });

  const dispatch = async (graph: unknown, input: unknown = {}) => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: "waits" } })).body;
    const version = await api.request("POST", `/api/workflows/${wf.id}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    const runs = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ input_payload: input }] },
    });
    return runs.body[0].id as string;
  };
  const http = (id: string, path: string) => ({ id, type: "http.request", params: { url: `${server.url}${path}` } });
  const quick = { nodes: [{ id: "a", type: "set", params: { value: "quick" } }], edges: [] };

  it("parks a delayed run without holding the only worker slot, then resumes it without repeating nodes", async () => {
    server.route("/before-delay", (_req, n) => ({ body: { call: n } }));
    const runId = await dispatch({
      nodes: [
        http("before", "/before-delay"),
        { id: "pause", type: "delay", params: { seconds: 3 } },
        {
          id: "after",
          type: "set",
          params: { value: { call: "{{ steps.before.body.call }}", at: "{{ steps.pause.resumed_at }}" } },
        },
      ],
      edges: [
        { from: "before", to: "pause" },
        { from: "pause", to: "after" },
      ],
    });
    const parked = await waitForStatus(api.deps.db, runId, (s) => s === "waiting");
    const resumeAt = (parked.waitingFor as { pause: { resume_at: string } }).pause.resume_at;
    // The run turns `waiting` inside the processor; BullMQ marks the job completed just after it returns.
    await eventually(
      async () =>
        (await (await api.deps.queues.runs.getJob(runJobId(runId)))?.getState()) === "completed" ? true : undefined,
      20_000,
      "the parked run's job to complete",
    );
    // The worker's only slot is free: another run completes while the first one is parked.
    const other = await dispatch(quick);
    await waitForStatus(api.deps.db, other, isTerminal);
    assert.equal(await statusOf(api.deps.db, other), "succeeded");
    assert.equal(await statusOf(api.deps.db, runId), "waiting");

    const done = await waitForStatus(api.deps.db, runId, isTerminal);
    assert.equal(done.status, "succeeded", done.error ?? "");
    const steps = (done.outputPayload as FinalState).final_state.steps;
    assert.deepEqual((steps.after as { call: number }).call, 1);
    assert.ok(Date.parse((steps.pause as { resumed_at: string }).resumed_at) >= Date.parse(resumeAt));
    assert.equal(server.requests.filter((r) => r.path === "/before-delay").length, 1);
    const audit = await api.deps.db.runAuditEntry.findMany({ where: { runId }, orderBy: { id: "asc" } });
    assert.deepEqual(
      audit.map((a) => a.action),
      ["run_created", "run_started", "run_waiting", "run_resumed", "run_succeeded"],
    );
    assert.equal(done.attempt, 1);
    const history = (await api.request("GET", `/api/executions/${runId}/history`)).body;
    assert.deepEqual(
      history.steps.map((s: { payload: Record<string, unknown> }) => Object.keys(s.payload)[0]),
      ["before", "pause", "after", "status"],
    );
  });

  it("resumes a run with a signal's body as the node's output, and answers 409 to other signals", async () => {
    server.route("/ask", (_req, n) => ({ body: { asked: n } }));
    const runId = await dispatch({
      nodes: [
        http("ask", "/ask"),
        { id: "approval", type: "wait_for_signal", params: { name: "approved" } },
        { id: "act", type: "set", params: { value: "{{ steps.approval.by }}" } },
      ],
      edges: [
        { from: "ask", to: "approval" },
        { from: "approval", to: "act" },
      ],
    });
    const early = await api.request("POST", `/api/runs/${runId}/signals/approved`, { body: { by: "too early" } });
    if (early.status !== 409) assert.fail("a run that is not waiting yet takes no signal");
    await waitForStatus(api.deps.db, runId, (s) => s === "waiting");
    const other = await dispatch(quick);
    assert.equal((await waitForStatus(api.deps.db, other, isTerminal)).status, "succeeded");
    const wrong = await api.request("POST", `/api/runs/${runId}/signals/rejected`, { body: {} });
    assert.deepEqual([wrong.status, wrong.body], [409, { detail: "Run is not waiting for signal 'rejected'." }]);
    const [first, second] = await Promise.all([
      api.request("POST", `/api/runs/${runId}/signals/approved`, { body: { by: "alice" } }),
      api.request("POST", `/api/runs/${runId}/signals/approved`, { body: { by: "bob" } }),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [200, 409]);
    const winner = first.status === 200 ? "alice" : "bob";
    const done = await waitForStatus(api.deps.db, runId, isTerminal);
    assert.equal(done.status, "succeeded", done.error ?? "");
    assert.deepEqual((done.outputPayload as FinalState).final_state.steps.approval, { by: winner });
    assert.equal((done.outputPayload as FinalState).final_state.steps.act, winner);
    assert.equal(server.requests.filter((r) => r.path === "/ask").length, 1);
    const unknown = await api.request("POST", "/api/runs/00000000-0000-0000-0000-000000000000/signals/approved");
    assert.equal(unknown.status, 404);
  });

  it("fails a wait_for_signal node past its timeout", async () => {
    const runId = await dispatch({
      nodes: [{ id: "approval", type: "wait_for_signal", params: { name: "approved", timeout_seconds: 1 } }],
      edges: [],
    });
    const done = await waitForStatus(api.deps.db, runId, isTerminal);
    assert.deepEqual([done.status, done.error], ["failed", "approval: no signal 'approved' within 1 seconds"]);
  });

  it("cancels a waiting run, whose resume then does nothing", async () => {
    const runId = await dispatch({ nodes: [{ id: "pause", type: "delay", params: { seconds: 1 } }], edges: [] });
    await waitForStatus(api.deps.db, runId, (s) => s === "waiting");
    const cancel = await api.request("POST", `/api/runs/${runId}/cancel`, { body: {} });
    assert.equal(cancel.body.status, "cancelled");
    await worker.waitForLog((l) => l.message === "run not waiting, skipping its resume" && l.runId === runId);
    assert.equal(await statusOf(api.deps.db, runId), "cancelled");
  });
});
