import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createWorkflow, runFigures } from "./lib/fault-deps";
import { spawnServices, type Services } from "./lib/fault-processes";
import { reportFigures } from "./lib/report-figures";

const TICKS = 10;
const MINUTE = 60_000;

/**
 * Cron expressions have whole minutes, so the ten occurrences lie in the past: a schedule every minute from
 * start_at, ten occurrences long, with catchup "all". Each dispatch the beats make (one a second, CRON_DISPATCH_
 * INTERVAL=1) fires the next due occurrence; with three beats racing, each occurrence must still get one run.
 */
describe("three beats", () => {
  let deps: TestDeps;
  let services: Services;

  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await services?.stop();
    await deps.close();
  });

  it(`create exactly one run per cron occurrence over ${TICKS} ticks`, async () => {
    const { workflowId } = await createWorkflow(deps.db, {
      nodes: [{ id: "a", type: "set", params: { value: "{{ run.scheduled_for }}" } }],
      edges: [],
    });
    const startAt = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE);
    const endAt = new Date(startAt.getTime() + (TICKS - 1) * MINUTE);
    services = await spawnServices({ ...deps.env, CRON_DISPATCH_INTERVAL: "1" }, { workers: 1, beats: 3 });
    const saved = await fetch(`${services.apiUrl}/api/workflows/${workflowId}/triggers/cron/config`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        expression: "* * * * *",
        start_at: startAt.toISOString(),
        end_at: endAt.toISOString(),
        catchup: "all",
        allow_overlapping: true,
      }),
    });
    assert.equal(saved.status, 200, await saved.text());
    const started = Date.now();
    // Beats share one scheduler, so their own dispatches rarely overlap: the test races three more at a time, as
    // beats with skewed ticks would.
    let racing = true;
    const dispatch = () =>
      fetch(`${services.apiUrl}/api/triggers/cron/dispatch`, { method: "POST" }).then((r) =>
        assert.equal(r.status, 200),
      );
    const race = (async () => {
      while (racing) await Promise.all([dispatch(), dispatch(), dispatch()]);
    })();

    const runs = await eventually(
      async () => {
        const rows = await deps.db.run.findMany({ where: { workflowId }, select: { id: true, cronOccurrence: true } });
        return rows.length >= TICKS ? rows : undefined;
      },
      90_000,
      `${TICKS} cron runs`,
    );
    racing = false;
    await race;
    // A few more ticks pass: none may add an eleventh run (end_at is reached, and no occurrence repeats).
    const completedNow = await deps.queues.beat.getCompletedCount();
    await eventually(
      async () => ((await deps.queues.beat.getCompletedCount()) >= completedNow + 3 ? true : undefined),
      60_000,
      "three more dispatch ticks",
    );
    const all = await deps.db.run.findMany({ where: { workflowId }, select: { id: true, cronOccurrence: true } });
    const occurrences = new Set(all.map((r) => r.cronOccurrence?.toISOString()));
    const figures = await eventually(
      async () => {
        const f = await runFigures(
          deps.db,
          all.map((r) => r.id),
        );
        return f.terminal === all.length ? f : undefined;
      },
      60_000,
      "cron runs to finish",
    );
    reportFigures("beats", {
      beats: 3,
      ticks: TICKS,
      accepted: all.length,
      distinct_occurrences: occurrences.size,
      terminal: figures.terminal,
      executed_twice: figures.executedTwice,
      duration_ms: Date.now() - started,
    });
    assert.equal(runs.length, TICKS);
    assert.equal(all.length, TICKS);
    const expected = Array.from({ length: TICKS }, (_, i) => new Date(startAt.getTime() + i * MINUTE).toISOString());
    assert.deepEqual([...occurrences].sort(), expected);
    assert.equal(figures.succeeded, TICKS);
    assert.equal(figures.executedTwice, 0);
    assert.ok(services.allAlive());
  });
});
