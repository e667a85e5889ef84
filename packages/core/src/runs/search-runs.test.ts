import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createPendingRuns, createTestWorkflow, startTransition, succeedTransition } from "../testing/run-fixtures";
import { createRuns } from "./create-runs";
import { parseRunSearchTerm } from "./run-search-query";
import { filterSql, searchRuns } from "./search-runs";
import { transitionRun } from "./transition-run";

describe("parseRunSearchTerm", () => {
  it("reads a UUID as a run id, lower-cased", () => {
    assert.deepEqual(parseRunSearchTerm("0F0E0D0C-0000-4000-8000-000000000001"), {
      kind: "id",
      id: "0f0e0d0c-0000-4000-8000-000000000001",
    });
  });

  it("reads path=value as containment, also matching a scalar's JSON form", () => {
    assert.deepEqual(parseRunSearchTerm("body.order.id = ord-1"), {
      kind: "contains",
      documents: [{ body: { order: { id: "ord-1" } } }],
    });
    assert.deepEqual(parseRunSearchTerm("n=42"), { kind: "contains", documents: [{ n: "42" }, { n: 42 }] });
    assert.deepEqual(parseRunSearchTerm("ok=true"), { kind: "contains", documents: [{ ok: "true" }, { ok: true }] });
  });

  it("reads a JSON object as containment and refuses other JSON", () => {
    assert.deepEqual(parseRunSearchTerm('{"a":{"b":1}}'), { kind: "contains", documents: [{ a: { b: 1 } }] });
    assert.throws(() => parseRunSearchTerm("{a:1}"), /JSON object/);
  });

  it("reads anything else as a bare value, a number too when it is one", () => {
    assert.deepEqual(parseRunSearchTerm("acme corp"), { kind: "value", text: "acme corp", number: null });
    assert.deepEqual(parseRunSearchTerm("12.5"), { kind: "value", text: "12.5", number: 12.5 });
    // The left side of '=' is not a path: a value containing '='.
    assert.deepEqual(parseRunSearchTerm("a b=c"), { kind: "value", text: "a b=c", number: null });
  });
});

describe("searchRuns with a bare value", () => {
  let deps: TestDeps;
  const ids: string[] = [];
  before(async () => {
    deps = await createTestDeps();
    const workflow = await deps.db.workflow.create({ data: { name: "search" } });
    const version = await deps.db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: {} } });
    // Oldest first: "hit" in runs 0 and 4 only.
    const inputs = [{ tag: "hit" }, { tag: "miss" }, { deep: [{ x: "miss" }] }, { other: 1 }, { deep: [{ x: "hit" }] }];
    for (const [i, input] of inputs.entries()) {
      const [created] = await createRuns(deps.db, [
        {
          workflowId: workflow.id,
          workflowVersionId: version.id,
          triggeredBy: "t",
          inputPayload: input,
          execute: false,
          actor: "t",
        },
      ]);
      ids.push(created!.run.id);
      await deps.db.$executeRawUnsafe(
        `UPDATE runs SET created_at = $1::timestamptz WHERE id = $2::uuid`,
        new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
        created!.run.id,
      );
    }
  });
  after(async () => {
    await deps.close();
  });

  it("looks through a bounded window and continues after it when it held no more hits", async () => {
    const term = parseRunSearchTerm("hit");
    // Window of 2 over [4, 3]: run 4 hits; the window was full, so the next page starts after run 3.
    const first = await searchRuns(deps.db, { term, limit: 10, valueWindow: 2 });
    assert.deepEqual(
      first.runs.map((r) => r.id),
      [ids[4]],
    );
    assert.equal(first.next?.id, ids[3]);
    // [2, 1]: no hit, but the window was full: go on.
    const second = await searchRuns(deps.db, { term, limit: 10, valueWindow: 2, after: first.next! });
    assert.deepEqual(second.runs, []);
    assert.equal(second.next?.id, ids[1]);
    // [0]: a hit, and the window was not full: the end.
    const third = await searchRuns(deps.db, { term, limit: 10, valueWindow: 2, after: second.next! });
    assert.deepEqual(
      third.runs.map((r) => r.id),
      [ids[0]],
    );
    assert.equal(third.next, null);
  });

  it("pages within the window when it holds more hits than the limit", async () => {
    const term = parseRunSearchTerm("hit");
    const page = await searchRuns(deps.db, { term, limit: 1 });
    assert.deepEqual(
      page.runs.map((r) => r.id),
      [ids[4]],
    );
    assert.equal(page.next?.id, ids[4]);
    const rest = await searchRuns(deps.db, { term, limit: 1, after: page.next! });
    assert.deepEqual(
      rest.runs.map((r) => r.id),
      [ids[0]],
    );
    assert.equal(rest.next, null);
  });
});

describe("searchRuns by containment", () => {
  let deps: TestDeps;
  let runIds: string[] = [];
  before(async () => {
    deps = await createTestDeps();
    const workflow = await createTestWorkflow(deps.db, { name: "contains" });
    // Inputs {i: 0} to {i: 4}: pending, running, succeeded, failed, cancelled.
    runIds = await createPendingRuns(deps.db, workflow, 5);
    const [, running, succeeded, failed, cancelled] = runIds as [string, string, string, string, string];
    for (const id of [running, succeeded, failed]) await transitionRun(deps.db, startTransition(id));
    await transitionRun(deps.db, succeedTransition(succeeded, {}));
    await transitionRun(deps.db, { runId: failed, to: "failed", actor: "t", action: "run_failed", error: "boom" });
    await transitionRun(deps.db, { runId: cancelled, to: "cancelled", actor: "t", action: "run_cancelled" });
  });
  after(async () => {
    await deps.close();
  });

  it("finds live and finished runs alike: the index holds the finished, the status index the live", async () => {
    for (const [i, id] of runIds.entries()) {
      const page = await searchRuns(deps.db, { term: parseRunSearchTerm(`i=${i}`), limit: 10 });
      assert.deepEqual(
        page.runs.map((r) => [r.id, r.status]),
        [[id, ["pending", "running", "succeeded", "failed", "cancelled"][i]]],
      );
    }
  });

  it("reads finished runs through the payload's GIN index, live ones through the status index", async () => {
    // Enough finished runs for a containment to be worth an index (a bulk load, as the bench's list-runs does).
    await deps.db.pool.query(
      `INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, input_payload, attempt, execute,
                         created_at, updated_at, started_at, completed_at)
       SELECT gen_random_uuid(), r.workflow_id, r.workflow_version_id, 'succeeded', 'manual',
              jsonb_build_object('i', 100 + n), 1, true, now(), now(), now(), now()
       FROM (SELECT workflow_id, workflow_version_id FROM runs LIMIT 1) r, generate_series(1, 5000) n`,
    );
    await deps.db.pool.query("ANALYZE runs");
    const { where, params } = filterSql({ term: parseRunSearchTerm("i=2"), limit: 10 });
    const { rows } = await deps.db.pool.query<{ "QUERY PLAN": string }>(
      `EXPLAIN SELECT r.id FROM runs r WHERE ${where} ORDER BY r.created_at DESC, r.id DESC LIMIT 11`,
      params,
    );
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    assert.match(plan, /Bitmap Index Scan on runs_input_payload_idx/, plan);
    assert.match(plan, /Bitmap Index Scan on runs_status_created_at_idx/, plan);
  });
});
