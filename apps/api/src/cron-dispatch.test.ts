import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import winston from "winston";
import { createDb } from "@switchyard/core/db";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { transitionRun } from "@switchyard/core/runs/transition-run";
import { createApp } from "./app";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("cron dispatch", () => {
  let api: TestApi;
  const logs: Record<string, unknown>[] = [];
  before(async () => {
    api = await startTestApi({ LOG_LEVEL: "info" });
    // Capture the dispatcher's log lines instead of printing them.
    for (const t of api.deps.logger.transports) t.silent = true;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    api.deps.logger.add(new winston.transports.Stream({ stream: sink, format: winston.format.json() }));
  });
  after(async () => {
    await api.close();
  });
  // Each test's dispatch sees only its own triggers.
  beforeEach(async () => {
    await api.deps.db.cronTrigger.deleteMany();
  });

  async function createWorkflow(handle: string, opts: { version?: boolean; archived?: boolean } = {}) {
    const { db } = api.deps;
    const workflow = await db.workflow.create({ data: { name: handle, handle, isArchived: opts.archived ?? false } });
    if (opts.version !== false) await addVersion(workflow.id);
    return workflow.id;
  }
  const addVersion = (workflowId: string) =>
    api.deps.db.workflowVersion.create({ data: { workflowId, version: 1, graph: GRAPH } });

  async function schedule(handle: string, config: Record<string, unknown>) {
    const res = await api.request("PUT", `/api/workflows/${handle}/triggers/cron/config`, { body: config });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  async function dispatch(now: string): Promise<{ workflow_id: string; input_payload: { scheduled_for: string } }[]> {
    const res = await api.request("POST", "/api/triggers/cron/dispatch", { body: { now } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }
  const firedAt = async (now: string) => (await dispatch(now)).map((r) => r.input_payload.scheduled_for);
  const lastDispatched = async (handle: string) =>
    (await api.request("GET", `/api/workflows/${handle}/triggers/cron/config`)).body.last_dispatched_at;

  it("answers [] when nothing is due", async () => {
    const empty = await api.request("POST", "/api/triggers/cron/dispatch");
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, []);
    await createWorkflow("idle");
    await schedule("idle", { start_at: "2026-01-01T10:00:00Z" });
    assert.deepEqual(await dispatch("2026-01-01T09:59:59Z"), []);
  });

  it("fires a due occurrence once as a pending, enqueued cron run", async () => {
    const workflowId = await createWorkflow("hourly");
    await schedule("hourly", { start_at: "2026-01-01T10:00:00Z" });
    const runs = await dispatch("2026-01-01T10:00:30Z");
    assert.equal(runs.length, 1);
    const run = runs[0] as unknown as Record<string, any>;
    assert.equal(run.workflow_id, workflowId);
    assert.equal(run.status, "pending");
    assert.equal(run.triggered_by, "cron");
    assert.deepEqual(run.input_payload, { scheduled_for: "2026-01-01T10:00:00+00:00", timezone: "UTC" });
    assert.deepEqual(
      run.audit_log.map((a: { action: string; actor: string }) => [a.action, a.actor]),
      [["run_created", "cron"]],
    );
    assert.ok(await api.deps.queues.runs.getJob(`run-${run.id}`));
    const row = await api.deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(row.cronOccurrence?.toISOString(), "2026-01-01T10:00:00.000Z");
    assert.equal(row.execute, true);
    assert.equal(await lastDispatched("hourly"), "2026-01-01T10:00:00.000Z");
    assert.deepEqual(await dispatch("2026-01-01T10:00:30Z"), []);
    assert.ok(
      logs.some((l) => l.message === "cron occurrence fired" && l.runId === run.id && l.workflowId === workflowId),
    );
  });

  it("reads a naive now as UTC and rejects an invalid body with 422", async () => {
    await createWorkflow("naive");
    await schedule("naive", { start_at: "2026-01-01T10:00:00Z" });
    assert.deepEqual(await dispatch("2026-01-01T11:30:00+02:00"), []);
    assert.deepEqual(await firedAt("2026-01-01T10:00:00"), ["2026-01-01T10:00:00+00:00"]);
    for (const body of [{ now: "yesterday" }, { now: "2026-01-01" }, { later: true }]) {
      const res = await api.request("POST", "/api/triggers/cron/dispatch", { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(res.body.detail));
    }
  });

  it("fires at 09:00 Berlin time: 08:00 UTC in winter and 07:00 UTC in summer", async () => {
    const berlin = (day: string) => ({
      expression: "0 9 * * *",
      timezone: "Europe/Berlin",
      allow_overlapping: true,
      start_at: `${day}T00:00:00Z`,
    });
    await createWorkflow("berlin");
    await schedule("berlin", berlin("2026-01-15"));
    assert.deepEqual(await dispatch("2026-01-15T07:59:00Z"), []);
    const winter = await dispatch("2026-01-15T08:00:00Z");
    assert.deepEqual(
      winter.map((r) => r.input_payload),
      [{ scheduled_for: "2026-01-15T08:00:00+00:00", timezone: "Europe/Berlin" }],
    );
    await schedule("berlin", berlin("2026-07-15"));
    assert.deepEqual(await dispatch("2026-07-15T06:59:00Z"), []);
    assert.deepEqual(await firedAt("2026-07-15T07:00:00Z"), ["2026-07-15T07:00:00+00:00"]);
  });

  it("fires a wall-clock time once per day across the spring DST change", async () => {
    await createWorkflow("dst");
    await schedule("dst", {
      expression: "30 2 * * *",
      timezone: "Europe/Berlin",
      allow_overlapping: true,
      start_at: "2026-03-28T00:00:00Z",
    });
    const fired: string[] = [];
    for (let i = 0; i < 4; i++) fired.push(...(await firedAt("2026-03-31T00:00:00Z")));
    // 02:30 does not exist on 29 March: it fires once, at 03:30 CEST.
    assert.deepEqual(fired, ["2026-03-28T01:30:00+00:00", "2026-03-29T01:30:00+00:00", "2026-03-30T00:30:00+00:00"]);
  });

  it("fires inside the start_at/end_at window only, both bounds inclusive", async () => {
    await createWorkflow("window");
    await schedule("window", {
      allow_overlapping: true,
      start_at: "2026-01-01T10:00:00Z",
      end_at: "2026-01-01T12:00:00Z",
    });
    assert.deepEqual(await dispatch("2026-01-01T09:59:00Z"), []);
    const fired: string[] = [];
    for (let i = 0; i < 4; i++) fired.push(...(await firedAt("2026-01-01T15:00:00Z")));
    assert.deepEqual(fired, ["2026-01-01T10:00:00+00:00", "2026-01-01T11:00:00+00:00", "2026-01-01T12:00:00+00:00"]);
  });

  it("fires missed occurrences one per call, oldest first, with catchup all", async () => {
    const workflowId = await createWorkflow("all");
    await schedule("all", { allow_overlapping: true });
    // Counted from saved_at when there is no start_at.
    await api.deps.db.cronTrigger.update({
      where: { workflowId },
      data: { savedAt: new Date("2026-01-01T08:30:00Z") },
    });
    assert.deepEqual(await firedAt("2026-01-01T11:30:00Z"), ["2026-01-01T09:00:00+00:00"]);
    assert.deepEqual(await firedAt("2026-01-01T11:30:00Z"), ["2026-01-01T10:00:00+00:00"]);
    assert.deepEqual(await firedAt("2026-01-01T11:30:00Z"), ["2026-01-01T11:00:00+00:00"]);
    assert.deepEqual(await firedAt("2026-01-01T11:30:00Z"), []);
    assert.equal(await lastDispatched("all"), "2026-01-01T11:00:00.000Z");
  });

  it("fires a first occurrence at a dispatch's now earlier than the save, as Orcheo's own tests dispatch", async () => {
    // Orcheo's test_cron_trigger_dispatch_and_overlap: saved today, dispatched with now = 2025-01-01 09:00 UTC.
    await createWorkflow("orcheo-daily");
    await schedule("orcheo-daily", { expression: "0 9 * * *", timezone: "UTC", allow_overlapping: false });
    const [first, ...rest] = await dispatch(new Date(Date.UTC(2025, 0, 1, 9)).toISOString().replace("Z", "+00:00"));
    assert.ok(first);
    assert.deepEqual(rest, []);
    const run = first as unknown as { id: string; triggered_by: string; input_payload: unknown };
    assert.equal(run.triggered_by, "cron");
    assert.deepEqual(run.input_payload, { scheduled_for: "2025-01-01T09:00:00+00:00", timezone: "UTC" });
    assert.deepEqual(await dispatch("2025-01-01T10:00:00+00:00"), []);
    // Orcheo's test drives the run to succeeded through the runs API; here a worker would.
    await transitionRun(api.deps.db, {
      runId: run.id,
      to: "running",
      actor: "worker",
      action: "run_started",
      start: true,
    });
    await transitionRun(api.deps.db, { runId: run.id, to: "succeeded", actor: "worker", action: "run_succeeded" });
    assert.deepEqual(await firedAt("2025-01-02T09:00:00+00:00"), ["2025-01-02T09:00:00+00:00"]);

    // test_cron_trigger_timezone_dispatch: 09:00 in Los Angeles is 17:00 UTC on 2025-01-01.
    await createWorkflow("orcheo-la");
    await schedule("orcheo-la", { expression: "0 9 * * *", timezone: "America/Los_Angeles" });
    assert.deepEqual(await firedAt("2025-01-01T17:00:00+00:00"), ["2025-01-01T17:00:00+00:00"]);
    // A dispatch between occurrences, before the save, fires nothing and consumes nothing.
    await createWorkflow("orcheo-between");
    await schedule("orcheo-between", { expression: "0 9 * * *" });
    assert.deepEqual(await dispatch("2025-01-01T08:59:00+00:00"), []);
    assert.equal(await lastDispatched("orcheo-between"), null);
  });

  it("fires only the most recent missed occurrence with catchup latest", async () => {
    await createWorkflow("latest");
    await schedule("latest", { allow_overlapping: true, catchup: "latest", start_at: "2026-01-01T09:00:00Z" });
    assert.deepEqual(await firedAt("2026-01-01T11:30:00Z"), ["2026-01-01T11:00:00+00:00"]);
    assert.deepEqual(await firedAt("2026-01-01T11:30:00Z"), []);
    assert.deepEqual(await firedAt("2026-01-01T12:00:00Z"), ["2026-01-01T12:00:00+00:00"]);
    assert.ok(logs.some((l) => l.message === "cron occurrence skipped" && l.reason === "caught_up"));
  });

  it("skips occurrences older than the grace window with catchup none", async () => {
    await createWorkflow("none");
    await schedule("none", { allow_overlapping: true, catchup: "none", start_at: "2026-01-01T09:00:00Z" });
    // 11:00 is 30 s old, within CRON_MISFIRE_GRACE_SECONDS (60): it fires; 09:00 and 10:00 are skipped.
    assert.deepEqual(await firedAt("2026-01-01T11:00:30Z"), ["2026-01-01T11:00:00+00:00"]);
    // 14:00 is 5 minutes old: consumed without a run.
    assert.deepEqual(await firedAt("2026-01-01T14:05:00Z"), []);
    assert.equal(await lastDispatched("none"), "2026-01-01T14:00:00.000Z");
    assert.ok(logs.some((l) => l.message === "cron occurrence skipped" && l.reason === "missed"));
    assert.deepEqual(await firedAt("2026-01-01T15:00:10Z"), ["2026-01-01T15:00:00+00:00"]);
  });

  it("holds an occurrence while a cron run is active and fires it once that run ends", async () => {
    const workflowId = await createWorkflow("guarded");
    await schedule("guarded", { start_at: "2026-01-01T09:00:00Z" });
    const [first] = await dispatch("2026-01-01T09:00:00Z");
    assert.ok(first);
    const runId = (first as unknown as { id: string }).id;

    // Pending, then running: the 10:00 occurrence stays unconsumed.
    assert.deepEqual(await dispatch("2026-01-01T10:30:00Z"), []);
    assert.ok(
      logs.some(
        (l) => l.message === "cron occurrence skipped" && l.reason === "overlap" && l.workflowId === workflowId,
      ),
    );
    await transitionRun(api.deps.db, { runId, to: "running", actor: "worker", action: "run_started", start: true });
    assert.deepEqual(await dispatch("2026-01-01T10:30:00Z"), []);
    assert.equal(await lastDispatched("guarded"), "2026-01-01T09:00:00.000Z");

    // A cron run of another workflow, or a non-cron run of this one, does not hold it back.
    const versionId = (await api.deps.db.workflowVersion.findFirstOrThrow({ where: { workflowId } })).id;
    await createRuns(api.deps.db, [
      { workflowId, workflowVersionId: versionId, triggeredBy: "manual", inputPayload: {}, execute: false, actor: "t" },
    ]);
    await transitionRun(api.deps.db, { runId, to: "succeeded", actor: "worker", action: "run_succeeded" });
    const second = await dispatch("2026-01-01T10:30:00Z");
    assert.deepEqual(
      second.map((r) => r.input_payload.scheduled_for),
      ["2026-01-01T10:00:00+00:00"],
    );

    // A failed run releases it too; a waiting run holds it.
    const secondId = (second[0] as unknown as { id: string }).id;
    await api.deps.db.run.update({ where: { id: secondId }, data: { status: "waiting" } });
    assert.deepEqual(await dispatch("2026-01-01T11:00:00Z"), []);
    await transitionRun(api.deps.db, {
      runId: secondId,
      to: "failed",
      actor: "worker",
      action: "run_failed",
      error: "x",
    });
    assert.deepEqual(await firedAt("2026-01-01T11:00:00Z"), ["2026-01-01T11:00:00+00:00"]);
  });

  it("fires while a cron run is active when overlapping is allowed", async () => {
    await createWorkflow("overlapping");
    await schedule("overlapping", { allow_overlapping: true, start_at: "2026-01-01T09:00:00Z" });
    assert.equal((await dispatch("2026-01-01T09:00:00Z")).length, 1);
    assert.equal((await dispatch("2026-01-01T10:00:00Z")).length, 1);
  });

  it("skips archived and version-less workflows without consuming their occurrences", async () => {
    const archivedId = await createWorkflow("archived", { archived: true });
    const bareId = await createWorkflow("bare", { version: false });
    await schedule("archived", { start_at: "2026-01-01T09:00:00Z" });
    await schedule("bare", { start_at: "2026-01-01T09:00:00Z" });
    assert.deepEqual(await dispatch("2026-01-01T09:30:00Z"), []);
    assert.equal(await lastDispatched("archived"), null);
    assert.equal(await lastDispatched("bare"), null);

    await addVersion(bareId);
    await api.deps.db.workflow.update({ where: { id: archivedId }, data: { isArchived: false } });
    const fired = await dispatch("2026-01-01T09:30:00Z");
    assert.deepEqual(
      fired.map((r) => [r.workflow_id, r.input_payload.scheduled_for]).sort(),
      [
        [archivedId, "2026-01-01T09:00:00+00:00"],
        [bareId, "2026-01-01T09:00:00+00:00"],
      ].sort(),
    );
  });

  it("never fires an occurrence twice after a restart or a re-saved config", async () => {
    const workflowId = await createWorkflow("restart");
    await schedule("restart", { start_at: "2026-01-01T09:00:00Z" });
    assert.equal((await dispatch("2026-01-01T09:00:10Z")).length, 1);

    // A fresh API process: its own database client, nothing kept in memory.
    const db = createDb(api.deps.config);
    const app = createApp({ ...api.deps, db });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/triggers/cron/dispatch`;
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ now: "2026-01-01T09:00:10Z" }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), []);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.$disconnect();
    }

    // Saving again clears last_dispatched_at; the unique occurrence key still refuses a second 09:00 run.
    await api.deps.db.run.updateMany({ where: { workflowId }, data: { status: "succeeded" } });
    await schedule("restart", { start_at: "2026-01-01T09:00:00Z" });
    assert.deepEqual(await dispatch("2026-01-01T09:00:10Z"), []);
    assert.equal(await lastDispatched("restart"), "2026-01-01T09:00:00.000Z");
    assert.equal(await api.deps.db.run.count({ where: { workflowId } }), 1);
  });
});
