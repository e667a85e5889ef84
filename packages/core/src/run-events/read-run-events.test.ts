import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../testing/service-process";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createPendingRuns, createTestWorkflow, startTransition } from "../testing/run-fixtures";
import { transitionRun } from "../runs/transition-run";
import { parseRunEventCursor, START_CURSOR, type RunEventCursor } from "./run-event-cursor";
import { readRunEvents, type RunEventMessage } from "./read-run-events";

/** A parent's events read straight from Postgres, while its children's transitions commit out of id order. */
describe("readRunEvents: a parent's child events", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });

  const family = async () => {
    const wf = await createTestWorkflow(deps.db, { name: "family" });
    const [parent, a, b] = await createPendingRuns(deps.db, wf, 3);
    await deps.db.$executeRawUnsafe(`UPDATE runs SET parent_run_id = $1::uuid WHERE id = ANY($2::uuid[])`, parent, [
      a,
      b,
    ]);
    return { parent: parent!, a: a!, b: b! };
  };
  const read = async (runId: string, cursor: RunEventCursor) => {
    const [batch] = await readRunEvents(deps.db, [{ runId, cursor }]);
    assert.ok(batch);
    return batch;
  };
  /** A read with nothing held back: any transaction of the server's older than the last commit has ended. */
  const settled = (runId: string, cursor: RunEventCursor) =>
    eventually(async () => {
      const batch = await read(runId, cursor);
      return batch.held ? undefined : batch;
    });
  const childEvents = (events: RunEventMessage[]) =>
    events
      .filter((e) => e.event === "child")
      .map((e) => {
        const d = e.data as { child_run_id: string; status: string };
        return `${d.child_run_id}:${d.status}`;
      });

  it("holds a child's entry back while an older transaction runs, then sends both once it commits", async () => {
    const { parent, a, b } = await family();
    const history = await settled(parent, START_CURSOR);
    assert.deepEqual(childEvents(history.events), [`${a}:pending`, `${b}:pending`]);

    // a's start takes the lower audit id and stays uncommitted on a second connection; b's commits after it.
    const client = await deps.db.pool.connect();
    try {
      await client.query("BEGIN");
      assert.ok(await transitionRun(client, startTransition(a)));
      assert.ok(await transitionRun(deps.db, startTransition(b)));
      const ids = await deps.db.runAuditEntry.findMany({
        where: { runId: b, action: "run_started" },
        select: { id: true },
      });
      assert.equal(ids.length, 1);

      // b's entry is committed but behind a transaction that may still write before it: not sent yet.
      const during = await read(parent, history.cursor);
      assert.deepEqual(childEvents(during.events), []);
      assert.equal(during.held, true);
      assert.deepEqual(during.cursor, history.cursor);

      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const after = await settled(parent, history.cursor);
    assert.deepEqual(childEvents(after.events), [`${a}:running`, `${b}:running`]);

    // Every event id resumes after exactly that event: nothing missed, nothing twice.
    const all = [...history.events, ...after.events];
    for (const [i, e] of all.entries()) {
      const rest = await settled(parent, parseRunEventCursor(e.id));
      assert.deepEqual(
        rest.events.map((x) => x.id),
        all.slice(i + 1).map((x) => x.id),
      );
    }
    // And nothing comes again from the last cursor.
    assert.deepEqual((await settled(parent, after.cursor)).events, []);
  });

  it("keeps the parent's own later entries and its end behind a held child entry", async () => {
    const { parent, a, b } = await family();
    const history = await settled(parent, START_CURSOR);
    const client = await deps.db.pool.connect();
    let during;
    try {
      await client.query("BEGIN");
      await transitionRun(client, startTransition(a));
      await transitionRun(deps.db, startTransition(b));
      await transitionRun(deps.db, startTransition(parent));
      await transitionRun(deps.db, { runId: parent, to: "cancelled", actor: "test", action: "run_cancelled" });
      during = await read(parent, history.cursor);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    assert.equal(during.held, true);
    assert.equal(during.ended, false);
    assert.deepEqual(
      during.events.map((e) => e.event),
      [],
    );
    const rest = await settled(parent, during.cursor);
    assert.equal(rest.ended, true);
    const summary = rest.events.map((e) =>
      e.event === "child"
        ? `child:${(e.data as { status: string }).status}`
        : `${e.event}:${(e.data as { status: string }).status}`,
    );
    assert.deepEqual(summary, [
      "child:running",
      "child:running",
      "status:running",
      "status:cancelled",
      "end:cancelled",
    ]);
  });

  it("reads a run without children as before: ids without a child part", async () => {
    const wf = await createTestWorkflow(deps.db, { name: "alone" });
    const [runId] = await createPendingRuns(deps.db, wf, 1);
    const batch = await read(runId!, START_CURSOR);
    assert.deepEqual(
      batch.events.map((e) => e.event),
      ["status"],
    );
    assert.match(batch.events[0]!.id!, /^\d+:0$/);
    assert.equal(batch.held, false);
  });
});
