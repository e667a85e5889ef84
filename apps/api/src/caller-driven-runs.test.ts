import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { WORKER_EXECUTED_CONFLICT } from "@switchyard/core/runs/run-actions";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

type Audit = { actor: string; action: string; metadata: Record<string, unknown> };

/**
 * start/succeed/fail belong to caller-driven runs only, and every API action's audit entry names the acting key:
 * against a real worker process, with AUTH_MODE=required.
 */
describe("caller-driven transitions and audit actors", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let server: TestServer;
  let triggerKey = "";
  let triggerKeyId = "";
  const gate = createGate();
  const STATIC_TOKEN = "static-admin-token";
  const staticActor = `api_token:${createHash("sha256").update(STATIC_TOKEN).digest("hex").slice(0, 12)}`;

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required", API_TOKENS: STATIC_TOKEN });
    const created = await createApiKey(api.deps.db, { name: "caller", scopes: ["trigger"], createdBy: "test" });
    triggerKey = created.key;
    triggerKeyId = created.info.id;
    server = await startTestServer();
    server.route("/held", async () => {
      await gate.promise;
      return { body: { real: true } };
    });
    worker = spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info", WORKER_CONCURRENCY: "4" });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    gate.open();
    await worker.stop();
    await server.close();
    await api.close();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const call = (token: string, method: string, path: string, body?: unknown) =>
    api.request(method, path, { headers: as(token), ...(body !== undefined && { body }) });
  const createWorkflow = async (graph: unknown) => {
    const wf = await call(STATIC_TOKEN, "POST", "/api/workflows", { name: "driven" });
    const version = await call(STATIC_TOKEN, "POST", `/api/workflows/${wf.body.id}/versions`, { graph });
    assert.equal(version.status, 201, version.text);
    return { workflowId: wf.body.id as string, versionId: version.body.id as string };
  };
  const statusOf = async (runId: string) => (await api.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).status;
  const auditOf = async (runId: string) =>
    (await call(triggerKey, "GET", `/api/runs/${runId}`)).body.audit_log as Audit[];

  it("answers 409 to start, succeed and fail of a run the workers execute, and the workers' outcome stands", async () => {
    const { workflowId, versionId } = await createWorkflow({
      nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/held` } }],
      edges: [],
    });
    const created = await call(triggerKey, "POST", `/api/workflows/${workflowId}/runs`, {
      workflow_version_id: versionId,
      triggered_by: "api",
      input_payload: { n: 1 },
      execute: true,
    });
    assert.equal(created.status, 201, created.text);
    const runId = created.body.id as string;
    await eventually(async () => ((await statusOf(runId)) === "running" ? true : undefined));

    for (const [action, body] of [
      ["succeed", { actor: "forger", output: { forged: true } }],
      ["fail", { actor: "forger", error: "forged" }],
      ["start", { actor: "forger" }],
    ] as const) {
      const res = await call(triggerKey, "POST", `/api/runs/${runId}/${action}`, body);
      assert.equal(res.status, 409, `${action}: ${res.text}`);
      assert.deepEqual(res.body, { detail: WORKER_EXECUTED_CONFLICT });
    }
    assert.equal(await statusOf(runId), "running");

    gate.open();
    const done = await eventually(async () => {
      const row = await api.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
      return row.status === "succeeded" ? row : undefined;
    });
    assert.equal(JSON.stringify(done.outputPayload).includes("forged"), false);
    assert.ok(!(await auditOf(runId)).some((a) => a.actor.includes("forger") || a.metadata.actor === "forger"));
  });

  it("answers 409 to start of a pending run the workers execute, and still cancels it", async () => {
    const { workflowId } = await createWorkflow({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] });
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const [later] = (
      await call(triggerKey, "POST", "/api/triggers/manual/dispatch", {
        workflow_id: workflowId,
        runs: [{ run_at: runAt }],
      })
    ).body;
    const start = await call(triggerKey, "POST", `/api/runs/${later.id}/start`, {});
    assert.equal(start.status, 409);
    assert.deepEqual(start.body, { detail: WORKER_EXECUTED_CONFLICT });
    assert.equal(await statusOf(later.id), "pending");
    // Cancel stays available on runs the workers execute.
    const cancel = await call(triggerKey, "POST", `/api/runs/${later.id}/cancel`, { reason: "not needed" });
    assert.equal(cancel.status, 200, cancel.text);
    assert.equal(cancel.body.status, "cancelled");
  });

  it("drives a caller-driven run through start and succeed as Orcheo does, naming the key in the audit", async () => {
    const { workflowId, versionId } = await createWorkflow({
      nodes: [{ id: "a", type: "set", params: { value: 1 } }],
      edges: [],
    });
    const created = await call(triggerKey, "POST", `/api/workflows/${workflowId}/runs`, {
      workflow_version_id: versionId,
      triggered_by: "orcheo-client",
      input_payload: { q: 1 },
    });
    assert.equal(created.status, 201, created.text);
    const runId = created.body.id as string;
    const started = await call(triggerKey, "POST", `/api/runs/${runId}/start`, { actor: "alice" });
    assert.equal(started.status, 200, started.text);
    assert.equal(started.body.status, "running");
    const succeeded = await call(triggerKey, "POST", `/api/runs/${runId}/succeed`, {
      actor: "alice",
      output: { answer: 42 },
    });
    assert.equal(succeeded.status, 200, succeeded.text);
    assert.equal(succeeded.body.status, "succeeded");
    assert.deepEqual(succeeded.body.output_payload, { answer: 42 });
    const actor = `api_key:${triggerKeyId}`;
    assert.deepEqual(
      (succeeded.body.audit_log as Audit[]).map((a) => [a.action, a.actor, a.metadata]),
      [
        ["run_created", actor, {}],
        ["run_started", actor, { actor: "alice" }],
        ["run_succeeded", actor, { actor: "alice" }],
      ],
    );
    // Nothing reached the workers.
    assert.equal(await api.deps.queues.runs.getJob(`run-${runId}`), undefined);
  });

  it("names the acting key in the audit entry of every API action, signals included", async () => {
    const { workflowId, versionId } = await createWorkflow({
      nodes: [{ id: "approval", type: "wait_for_signal", params: { name: "approved" } }],
      edges: [],
    });
    const keyActor = `api_key:${triggerKeyId}`;

    // Manual dispatch, then a signal, on a run the workers execute.
    const [waiting] = (
      await call(triggerKey, "POST", "/api/triggers/manual/dispatch", {
        workflow_id: workflowId,
        actor: "ops",
        runs: [{}],
      })
    ).body;
    await eventually(async () => ((await statusOf(waiting.id)) === "waiting" ? true : undefined));
    const signal = await call(STATIC_TOKEN, "POST", `/api/runs/${waiting.id}/signals/approved`, { ok: true });
    assert.equal(signal.status, 200, signal.text);
    await eventually(async () => ((await statusOf(waiting.id)) === "succeeded" ? true : undefined));
    const dispatched = await auditOf(waiting.id);
    assert.deepEqual(dispatched[0], {
      ...dispatched[0],
      action: "run_created",
      actor: keyActor,
      metadata: { actor: "ops" },
    });
    const signalled = dispatched.find((a) => a.action === "run_signalled");
    assert.equal(signalled?.actor, staticActor);

    // A caller-driven run failed, then retried; another cancelled.
    const driven = await call(triggerKey, "POST", `/api/workflows/${workflowId}/runs`, {
      workflow_version_id: versionId,
      triggered_by: "api",
    });
    const failed = await call(triggerKey, "POST", `/api/runs/${driven.body.id}/fail`, { actor: "bob", error: "no" });
    assert.equal(failed.status, 200, failed.text);
    const retried = await call(STATIC_TOKEN, "POST", `/api/runs/${driven.body.id}/retry`, { actor: "carol" });
    assert.equal(retried.status, 201, retried.text);
    const other = await call(triggerKey, "POST", `/api/workflows/${workflowId}/runs`, {
      workflow_version_id: versionId,
      triggered_by: "api",
    });
    const cancelled = await call(STATIC_TOKEN, "POST", `/api/runs/${other.body.id}/cancel`, { reason: "stop" });
    assert.equal(cancelled.status, 200, cancelled.text);

    const pick = (audit: Audit[], action: string) => {
      const entry = audit.find((a) => a.action === action);
      return entry && [entry.actor, entry.metadata];
    };
    assert.deepEqual(pick(failed.body.audit_log, "run_created"), [keyActor, {}]);
    assert.deepEqual(pick(failed.body.audit_log, "run_failed"), [keyActor, { error: "no", actor: "bob" }]);
    assert.deepEqual(pick(retried.body.audit_log, "run_created"), [staticActor, { actor: "carol" }]);
    assert.deepEqual(pick(cancelled.body.audit_log, "run_cancelled"), [staticActor, { reason: "stop" }]);
  });
});
