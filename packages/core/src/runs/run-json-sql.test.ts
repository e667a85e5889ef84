import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createTestWorkflow } from "../testing/run-fixtures";
import { createRuns } from "./create-runs";
import { toRunJson, type RunJson } from "./run-row";
import { transitionRun } from "./transition-run";
import { findRun } from "./find-run";
import { listAuditEntries } from "./list-audit-entries";
import { listRunsPage } from "./list-runs-page";

/** The page Postgres writes (`RUN_JSON_SQL`) holds the same runs, keys, key order and values as `toRunJson`'s. */
describe("RUN_JSON_SQL", () => {
  let deps: TestDeps;
  let workflowId: string;
  let workflowVersionId: string;
  before(async () => {
    deps = await createTestDeps();
    ({ workflowId, workflowVersionId } = await createTestWorkflow(deps.db, { name: "json", handle: "json-page" }));
  });
  after(async () => {
    await deps.close();
  });

  it("writes every field of every kind of run as toRunJson does", async () => {
    const base = { workflowId, workflowVersionId, execute: true, actor: "test" };
    const created = await createRuns(deps.db, [
      { ...base, triggeredBy: "webhook", inputPayload: { body: { b: 2, a: [1, "x", null] }, 'ü"\\': "\u2028" } },
      {
        ...base,
        triggeredBy: "manual",
        inputPayload: {},
        runnableConfig: { tags: ["t"] },
        runAt: new Date(Date.now() + 60_000),
      },
      { ...base, triggeredBy: "cron", inputPayload: { n: 1.5e300 }, cronOccurrence: new Date("2026-01-01T00:00:00Z") },
      { ...base, triggeredBy: "retry", inputPayload: { deep: { deeper: { deepest: true } } }, idempotencyKey: "k" },
    ]);
    const [succeeded, , , failed] = created.map((c) => c.run.id);
    await transitionRun(deps.db, {
      runId: succeeded!,
      to: "running",
      from: ["pending"],
      actor: "worker",
      action: "run_started",
      start: true,
      metadata: { worker: "w-1", nested: { n: [1, 2] } },
    });
    await transitionRun(deps.db, {
      runId: succeeded!,
      to: "succeeded",
      from: ["running"],
      actor: "worker",
      action: "run_succeeded",
      outputPayload: { final_state: { steps: { out: "done" } } },
    });
    await transitionRun(deps.db, {
      runId: failed!,
      to: "failed",
      from: ["pending"],
      actor: "api",
      action: "run_failed",
      error: "boom: 'quoted' \"and\" \n newline",
    });

    const page = await listRunsPage(deps.db, { workflow: { id: workflowId }, limit: 10 });
    assert.ok(page !== null);
    const ids = created.map((c) => c.run.id);
    // A worker's output is stored without the input and answered with it, as older releases stored it.
    const answered = (JSON.parse(page.json) as RunJson[]).find((r) => r.id === succeeded);
    assert.deepEqual(answered?.output_payload, {
      final_state: { input: { body: { b: 2, a: [1, "x", null] }, 'ü"\\': "\u2028" }, steps: { out: "done" } },
    });
    const audit = await listAuditEntries(deps.db, ids);
    const rows = await Promise.all(ids.map((id) => findRun(deps.db, id)));
    const expected = rows
      .map((r) => toRunJson(r!, audit.get(r!.id) ?? []))
      .sort((a, b) => (b.created_at! < a.created_at! ? -1 : b.created_at! > a.created_at! ? 1 : b.id < a.id ? -1 : 1));
    const actual = JSON.parse(page.json) as typeof expected;
    assert.deepEqual(actual, expected);
    // The same keys in the same order as the API's other run answers (Postgres spaces its JSON, and writes a
    // number as its payload held it: the values are equal, the text need not be).
    const keys = (runs: typeof expected) =>
      runs.map((r) => [Object.keys(r), r.audit_log.map((a) => Object.keys(a)), Object.keys(r.input_payload as object)]);
    assert.deepEqual(keys(actual), keys(expected));
    assert.equal(page.nextCursor, null);
  });

  it("answers outputs stored with their input (older releases) and caller-driven outputs as they are", async () => {
    const { workflowId: wf, workflowVersionId: v } = await createTestWorkflow(deps.db, { name: "old", handle: "old" });
    const base = { workflowId: wf, workflowVersionId: v, actor: "test", triggeredBy: "api" };
    const created = await createRuns(deps.db, [
      { ...base, execute: true, inputPayload: { n: 1 } },
      { ...base, execute: false, inputPayload: { n: 2 } },
      { ...base, execute: true, inputPayload: { n: 3 } },
      { ...base, execute: true, inputPayload: { n: 4 } },
    ]);
    const outputs = [
      { final_state: { input: { n: 1 }, steps: { a: 1 } } },
      { final_state: { steps: { by: "caller" } } },
      { final_state: "not an object" },
      [1, 2],
    ];
    for (const [i, c] of created.entries()) {
      await deps.db.run.update({ where: { id: c.run.id }, data: { status: "succeeded", outputPayload: outputs[i] } });
    }
    const page = await listRunsPage(deps.db, { workflow: { id: wf }, limit: 10 });
    const byId = new Map((JSON.parse(page!.json) as RunJson[]).map((r) => [r.id, r.output_payload]));
    const rows = await Promise.all(created.map((c) => findRun(deps.db, c.run.id)));
    for (const [i, row] of rows.entries()) {
      assert.deepEqual(byId.get(row!.id), outputs[i], `run ${i}`);
      assert.deepEqual(toRunJson(row!, []).output_payload, outputs[i], `run ${i}`);
    }
  });

  it("pages by handle with a cursor, and tells a missing workflow from an empty page", async () => {
    const first = await listRunsPage(deps.db, { workflow: { handle: "json-page" }, limit: 3 });
    assert.equal((JSON.parse(first!.json) as unknown[]).length, 3);
    assert.ok(first!.nextCursor !== null);
    assert.equal(await listRunsPage(deps.db, { workflow: { handle: "no-such-workflow" }, limit: 3 }), null);
    const none = await listRunsPage(deps.db, { workflow: { id: workflowId }, limit: 3, status: "cancelled" });
    assert.deepEqual(none, { json: "[]", nextCursor: null });
  });
});
