import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("runs API", () => {
  let api: TestApi;
  let versionId: string;
  let version2Id: string;
  before(async () => {
    api = await startTestApi();
    await api.request("POST", "/api/workflows", { body: { name: "R", handle: "runs" } });
    versionId = (await api.request("POST", "/api/workflows/runs/versions", { body: { graph: GRAPH } })).body.id;
    version2Id = (await api.request("POST", "/api/workflows/runs/versions", { body: { graph: GRAPH } })).body.id;
  });
  after(async () => {
    await api.close();
  });

  const createRun = async (extra: Record<string, unknown> = {}) =>
    api.request("POST", "/api/workflows/runs/runs", {
      body: { workflow_version_id: versionId, triggered_by: "api", input_payload: { n: 1 }, ...extra },
    });

  it("creates a pending run that no worker picks up", async () => {
    const res = await createRun();
    assert.equal(res.status, 201);
    assert.equal(res.body.status, "pending");
    assert.equal(res.body.triggered_by, "api");
    assert.deepEqual(res.body.input_payload, { n: 1 });
    assert.equal(res.body.attempt, 0);
    assert.match(res.body.created_at, /Z$/);
    assert.deepEqual(
      res.body.audit_log.map((a: { action: string; actor: string }) => [a.action, a.actor]),
      [["run_created", "api"]],
    );
    assert.equal(await api.deps.queues.runs.getJob(`run-${res.body.id}`), undefined);
  });

  it("answers 404 for a version of another workflow or an unknown workflow", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "Other", handle: "other" } });
    const res = await api.request("POST", "/api/workflows/other/runs", {
      body: { workflow_version_id: versionId, triggered_by: "api" },
    });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { detail: "Workflow version not found" });
    const unknown = await api.request("POST", "/api/workflows/missing/runs", {
      body: { workflow_version_id: versionId, triggered_by: "api" },
    });
    assert.deepEqual(unknown.body, { detail: "Workflow not found" });
    const execute = await createRun({ unknown_field: true });
    assert.equal(execute.status, 422);
  });

  it("moves a run through start and succeed, recording each in the audit log", async () => {
    const run = (await createRun()).body;
    const started = await api.request("POST", `/api/runs/${run.id}/start`, { body: { actor: "alice" } });
    assert.equal(started.status, 200);
    assert.equal(started.body.status, "running");
    assert.equal(started.body.attempt, 1);
    assert.ok(started.body.started_at);
    const again = await api.request("POST", `/api/runs/${run.id}/start`, { body: { actor: "alice" } });
    assert.equal(again.status, 409);
    assert.deepEqual(again.body, { detail: "Only pending runs can be started." });
    const done = await api.request("POST", `/api/runs/${run.id}/succeed`, {
      body: { actor: "alice", output: { ok: true } },
    });
    assert.equal(done.body.status, "succeeded");
    assert.deepEqual(done.body.output_payload, { ok: true });
    assert.ok(done.body.completed_at);
    assert.deepEqual(
      done.body.audit_log.map((a: { action: string }) => a.action),
      ["run_created", "run_started", "run_succeeded"],
    );
    const cancel = await api.request("POST", `/api/runs/${run.id}/cancel`, { body: { actor: "alice" } });
    assert.equal(cancel.status, 409);
    assert.deepEqual(cancel.body, { detail: "Cannot cancel a run that is already completed." });
    const fail = await api.request("POST", `/api/runs/${run.id}/fail`, { body: { actor: "alice", error: "x" } });
    assert.deepEqual(fail.body, { detail: "Only pending or running runs can be marked as failed." });
  });

  it("refuses to succeed a pending run and fails or cancels with metadata", async () => {
    const run = (await createRun()).body;
    const succeed = await api.request("POST", `/api/runs/${run.id}/succeed`, { body: { actor: "bob" } });
    assert.equal(succeed.status, 409);
    assert.deepEqual(succeed.body, { detail: "Only running runs can be marked as succeeded." });
    const failed = await api.request("POST", `/api/runs/${run.id}/fail`, { body: { actor: "bob", error: "boom" } });
    assert.equal(failed.body.status, "failed");
    assert.equal(failed.body.error, "boom");
    assert.deepEqual(failed.body.audit_log.at(-1).metadata, { error: "boom" });
    const other = (await createRun()).body;
    const cancelled = await api.request("POST", `/api/runs/${other.id}/cancel`, {
      body: { actor: "bob", reason: "no" },
    });
    assert.equal(cancelled.body.status, "cancelled");
    assert.deepEqual(cancelled.body.audit_log.at(-1), {
      actor: "bob",
      action: "run_cancelled",
      at: cancelled.body.audit_log.at(-1).at,
      metadata: { reason: "no" },
    });
  });

  it("keeps a cancel's reason as the run's error, and leaves error null without one", async () => {
    const withReason = (await createRun()).body;
    const cancelled = await api.request("POST", `/api/runs/${withReason.id}/cancel`, {
      body: { actor: "ops", reason: "Superseded by a newer order" },
    });
    assert.deepEqual([cancelled.status, cancelled.body.error], [200, "Superseded by a newer order"]);
    assert.equal((await api.request("GET", `/api/runs/${withReason.id}`)).body.error, "Superseded by a newer order");

    const running = (await createRun()).body;
    await api.request("POST", `/api/runs/${running.id}/start`, { body: { actor: "ops" } });
    for (const body of [{ actor: "ops" }, { actor: "ops", reason: null }, { actor: "ops", reason: "" }]) {
      const run = (await createRun()).body;
      const res = await api.request("POST", `/api/runs/${run.id}/cancel`, { body });
      assert.deepEqual([res.status, res.body.error, res.body.audit_log.at(-1).metadata], [200, null, {}]);
    }
    const stopped = await api.request("POST", `/api/runs/${running.id}/cancel`, { body: { reason: "stop" } });
    assert.deepEqual([stopped.body.status, stopped.body.error], ["cancelled", "stop"]);
  });

  it("answers 404 Workflow run not found for unknown and malformed ids", async () => {
    for (const id of ["00000000-0000-0000-0000-000000000000", "not-a-uuid"]) {
      const get = await api.request("GET", `/api/runs/${id}`);
      assert.deepEqual([get.status, get.body], [404, { detail: "Workflow run not found" }]);
      const start = await api.request("POST", `/api/runs/${id}/start`, { body: {} });
      assert.deepEqual([start.status, start.body], [404, { detail: "Workflow run not found" }]);
    }
  });

  it("lets exactly one of many concurrent starts win", async () => {
    const run = (await createRun()).body;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => api.request("POST", `/api/runs/${run.id}/start`, { body: { actor: "x" } })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.equal(results.filter((r) => r.status === 409).length, 9);
  });

  it("lists runs newest first with filters and keyset cursors", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "L", handle: "listing" } });
    const v = (await api.request("POST", "/api/workflows/listing/versions", { body: { graph: GRAPH } })).body.id;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await api.request("POST", "/api/workflows/listing/runs", {
        body: { workflow_version_id: v, triggered_by: i % 2 === 0 ? "even" : "odd" },
      });
      ids.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.request("GET", `/api/workflows/listing/runs?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(page.status, 200);
      seen.push(...page.body.map((r: { id: string }) => r.id));
      cursor = page.headers.get("x-next-cursor");
    } while (cursor !== null);
    assert.deepEqual(seen, [...ids].reverse());
    const odd = await api.request("GET", "/api/workflows/listing/runs?triggered_by=odd");
    assert.equal(odd.body.length, 3);
    const pending = await api.request("GET", "/api/workflows/listing/runs?status=pending&limit=200");
    assert.equal(pending.body.length, 7);
    for (const q of ["limit=0", "limit=201", "status=bogus", "cursor=zzz"]) {
      const bad = await api.request("GET", `/api/workflows/listing/runs?${q}`);
      assert.equal(bad.status, 422, q);
    }
  });

  it("dispatches manual runs in request order, all or nothing", async () => {
    const wf = (await api.request("GET", "/api/workflows/runs")).body;
    const one = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ input_payload: { a: 1 } }] },
    });
    assert.equal(one.status, 200);
    assert.equal(one.body.length, 1);
    assert.equal(one.body[0].triggered_by, "manual");
    assert.equal(one.body[0].workflow_version_id, version2Id, "defaults to the latest version");
    assert.equal(one.body[0].audit_log[0].actor, "manual");
    assert.ok(await api.deps.queues.runs.getJob(`run-${one.body[0].id}`), "enqueued");

    const batch = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: {
        workflow_id: wf.id,
        actor: "ops",
        runs: [
          { workflow_version_id: versionId, input_payload: { i: 0 } },
          { input_payload: { i: 1 } },
          { workflow_version_id: versionId, input_payload: { i: 2 } },
        ],
      },
    });
    assert.deepEqual(
      batch.body.map((r: { input_payload: { i: number } }) => r.input_payload.i),
      [0, 1, 2],
    );
    assert.ok(batch.body.every((r: { triggered_by: string }) => r.triggered_by === "manual_batch"));
    const labelled = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, label: "backfill", runs: [{}, {}] },
    });
    assert.ok(labelled.body.every((r: { triggered_by: string }) => r.triggered_by === "backfill"));

    const before = await api.deps.db.run.count();
    const foreign = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: {
        workflow_id: wf.id,
        runs: [{ workflow_version_id: versionId }, { workflow_version_id: "00000000-0000-0000-0000-000000000000" }],
      },
    });
    assert.deepEqual([foreign.status, foreign.body], [404, { detail: "Workflow version not found" }]);
    assert.equal(await api.deps.db.run.count(), before, "no run at all");
    const tooMany = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: Array.from({ length: 101 }, () => ({})) },
    });
    assert.equal(tooMany.status, 422);
    const none = await api.request("POST", "/api/triggers/manual/dispatch", { body: { workflow_id: wf.id, runs: [] } });
    assert.equal(none.status, 422);
  });

  it("refuses manual runs for archived workflows and workflows without versions", async () => {
    const empty = (await api.request("POST", "/api/workflows", { body: { name: "E" } })).body;
    const res = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: empty.id, runs: [{}] },
    });
    assert.deepEqual([res.status, res.body], [404, { detail: "Workflow version not found" }]);
    const arch = (await api.request("POST", "/api/workflows", { body: { name: "A" } })).body;
    await api.request("POST", `/api/workflows/${arch.id}/versions`, { body: { graph: GRAPH } });
    await api.request("DELETE", `/api/workflows/${arch.id}`);
    const archived = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: arch.id, runs: [{}] },
    });
    assert.deepEqual([archived.status, archived.body], [404, { detail: "Workflow not found" }]);
  });

  it("enqueues a run created with execute: true, like a trigger would", async () => {
    const res = await createRun({ execute: true });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, "pending");
    const job = await api.deps.queues.runs.getJob(`run-${res.body.id}`);
    assert.deepEqual(job?.data, { run_id: res.body.id });
    const notBool = await createRun({ execute: "yes" });
    assert.equal(notBool.status, 422);
  });

  it("retries a failed or cancelled run as a new enqueued run with the same version and input", async () => {
    const failed = (await createRun({ runnable_config: { max_parallel: 2 } })).body;
    await api.request("POST", `/api/runs/${failed.id}/fail`, { body: { error: "broke" } });
    const retried = await api.request("POST", `/api/runs/${failed.id}/retry`, { body: { actor: "ops" } });
    assert.equal(retried.status, 201);
    assert.notEqual(retried.body.id, failed.id);
    assert.equal(retried.body.status, "pending");
    assert.equal(retried.body.retry_of, failed.id);
    assert.equal(retried.body.workflow_version_id, failed.workflow_version_id);
    assert.deepEqual(retried.body.input_payload, { n: 1 });
    assert.deepEqual(retried.body.runnable_config, { max_parallel: 2 });
    assert.equal(retried.body.triggered_by, "api");
    assert.deepEqual(
      retried.body.audit_log.map((a: { action: string; actor: string }) => [a.action, a.actor]),
      [["run_created", "ops"]],
    );
    assert.ok(await api.deps.queues.runs.getJob(`run-${retried.body.id}`), "enqueued");

    const cancelled = (await createRun()).body;
    await api.request("POST", `/api/runs/${cancelled.id}/cancel`, { body: {} });
    const again = await api.request("POST", `/api/runs/${cancelled.id}/retry`);
    assert.deepEqual([again.status, again.body.retry_of], [201, cancelled.id]);

    const pending = (await createRun()).body;
    const conflict = await api.request("POST", `/api/runs/${pending.id}/retry`, { body: {} });
    assert.deepEqual(
      [conflict.status, conflict.body],
      [409, { detail: "Only failed or cancelled runs can be retried." }],
    );
    const unknown = await api.request("POST", `/api/runs/00000000-0000-0000-0000-000000000000/retry`, { body: {} });
    assert.deepEqual([unknown.status, unknown.body], [404, { detail: "Workflow run not found" }]);
  });

  it("creates a manual run with run_at pending, its job delayed until then", async () => {
    const wf = (await api.request("GET", "/api/workflows/runs")).body;
    const runAt = new Date(Date.now() + 3_600_000);
    const res = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ run_at: runAt.toISOString() }, {}] },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body[0].run_at, runAt.toISOString());
    assert.equal(res.body[1].run_at, null);
    const job = await api.deps.queues.runs.getJob(`run-${res.body[0].id}`);
    assert.equal(await job?.getState(), "delayed");
    assert.ok(Math.abs(job!.timestamp + job!.delay - runAt.getTime()) < 1_000);
    const naive = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ run_at: "2030-01-02T03:04:05" }] },
    });
    assert.equal(naive.body[0].run_at, "2030-01-02T03:04:05.000Z");
    const bad = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ run_at: "tomorrow" }] },
    });
    assert.equal(bad.status, 422);
  });

  it("shows an execution history once a run started, closed by its outcome", async () => {
    const run = (await createRun()).body;
    const none = await api.request("GET", `/api/executions/${run.id}/history`);
    assert.deepEqual([none.status, none.body], [404, { detail: "Execution history not found" }]);
    await api.request("POST", `/api/runs/${run.id}/start`, { body: {} });
    const now = new Date();
    await api.deps.db.runStep.createMany({
      data: [
        {
          runId: run.id,
          nodeId: "a",
          attempt: 1,
          status: "succeeded",
          output: { x: 1 },
          startedAt: now,
          finishedAt: now,
        },
        { runId: run.id, nodeId: "b", attempt: 1, status: "skipped", startedAt: now, finishedAt: now },
      ],
    });
    const running = await api.request("GET", `/api/executions/${run.id}/history`);
    assert.equal(running.body.status, "running");
    await api.request("POST", `/api/runs/${run.id}/fail`, { body: { error: "a: broke" } });
    const history = (await api.request("GET", `/api/executions/${run.id}/history`)).body;
    assert.equal(history.execution_id, run.id);
    assert.equal(history.status, "error");
    assert.equal(history.error, "a: broke");
    assert.deepEqual(history.inputs, { n: 1 });
    assert.deepEqual(
      history.steps.map((s: { index: number; payload: unknown }) => [s.index, s.payload]),
      [
        [0, { a: { x: 1 } }],
        [1, { b: { skipped: true } }],
        [2, { status: "error", error: "a: broke" }],
      ],
    );
    const list = await api.request("GET", "/api/workflows/runs/executions?limit=5");
    assert.equal(list.status, 200);
    assert.ok(list.body.some((h: { execution_id: string }) => h.execution_id === run.id));
  });
});
