import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPendingRuns, createTestWorkflow, startTransition } from "@switchyard/core/testing/run-fixtures";
import { transitionRun } from "@switchyard/core/runs/transition-run";
import { startTestApi, type TestApi } from "./testing/start-api";
import { openSse, type SseConnection } from "./testing/open-sse";

/**
 * A parent's stream while two children's transitions commit out of id order: the one with the lower id is held
 * open on a second connection while the other commits and is announced. Both reach the stream, each once.
 */
describe("a parent's stream with children committing out of id order", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  const childEvent = async (stream: SseConnection) => {
    for (;;) {
      const e = await stream.next();
      if (e.event !== "child") continue;
      const d = JSON.parse(e.data) as { child_run_id: string; status: string };
      return { id: e.id, child: d.child_run_id, status: d.status };
    }
  };

  // Under the streams' 5 s re-read: the held child entry is looked for again by itself, with nothing announced.
  it("sends both children's changes, the late-committing one included", { timeout: 4_000 }, async () => {
    const wf = await createTestWorkflow(api.deps.db, { name: "family" });
    const [parent, a, b] = (await createPendingRuns(api.deps.db, wf, 3)) as [string, string, string];
    await api.deps.db.$executeRawUnsafe(`UPDATE runs SET parent_run_id = $1::uuid WHERE id = ANY($2::uuid[])`, parent, [
      a,
      b,
    ]);
    const stream = await openSse(`${api.url}/api/runs/${parent}/events`);
    assert.equal(stream.status, 200);
    const history = [await childEvent(stream), await childEvent(stream)];
    assert.deepEqual(
      history.map((e) => e.status),
      ["pending", "pending"],
    );

    const client = await api.deps.db.pool.connect();
    try {
      await client.query("BEGIN");
      // a takes the lower audit id and stays uncommitted; b commits after it and is announced.
      assert.ok(await transitionRun(client, startTransition(a)));
      const started = await transitionRun(api.deps.db, startTransition(b));
      assert.ok(started);
      api.deps.changes.changed(started);
      await api.deps.changes.flush();
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    // a's commit is not announced: the read that held b back looks again.
    const live = [await childEvent(stream), await childEvent(stream)];
    assert.deepEqual(
      live.map((e) => [e.child, e.status]),
      [
        [a, "running"],
        [b, "running"],
      ],
    );
    assert.equal(new Set([...history, ...live].map((e) => e.id)).size, 4);
    stream.close();
  });
});
