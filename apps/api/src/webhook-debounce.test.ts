import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { waitForOutcome } from "@switchyard/core/testing/create-test-run";
import { type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "order", type: "set", params: { value: "{{ input.body.n }}" } }], edges: [] };

describe("webhook debounce", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  before(async () => {
    api = await startTestApi();
    worker = await startWorker(api.deps.env);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  it("collapses a burst into one run per key, with the last delivery's input, started after the window", async () => {
    const { db } = api.deps;
    const workflow = await db.workflow.create({ data: { name: "debounced", handle: "debounced" } });
    await db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
    const config = await api.request("PUT", "/api/workflows/debounced/triggers/webhook/config", {
      body: { debounce: { key: "input.body.order", seconds: 2 } },
    });
    assert.equal(config.status, 200, config.text);
    assert.deepEqual(config.body.debounce, { key: "input.body.order", seconds: 2 });

    // Interleaved deliveries of two orders, some of them at once.
    const deliveries = [
      { order: "a", n: 1 },
      { order: "b", n: 2 },
      { order: "a", n: 3 },
    ];
    const answers = await Promise.all(
      deliveries.map((body) => api.request("POST", "/api/workflows/debounced/triggers/webhook", { body })),
    );
    const lastA = await api.request("POST", "/api/workflows/debounced/triggers/webhook", {
      body: { order: "a", n: 4 },
    });
    answers.push(lastA);
    assert.deepEqual(
      answers.map((a) => a.status),
      [202, 202, 202, 202],
    );
    const runOf = (i: number) => answers[i]!.body.id as string;
    assert.equal(runOf(0), runOf(2));
    assert.equal(runOf(0), runOf(3));
    assert.notEqual(runOf(0), runOf(1));
    assert.equal(await db.run.count({ where: { workflowId: workflow.id } }), 2);

    const a = await waitForOutcome(db, runOf(0), 30_000);
    const b = await waitForOutcome(db, runOf(1), 30_000);
    assert.equal(a.run.status, "succeeded");
    assert.equal(b.run.status, "succeeded");
    assert.deepEqual((a.run.inputPayload as { body: unknown }).body, { order: "a", n: 4 });
    // Started two seconds after the last delivery of its key (the debounced audit entry of that delivery; its
    // run_at is read from the clock a moment before the entry's).
    const lastDelivery = a.audit.filter((e) => e.action === "run_debounced").at(-1)!;
    assert.ok(a.run.runAt!.getTime() - lastDelivery.at.getTime() >= 1_990);
    assert.ok(a.run.startedAt!.getTime() >= a.run.runAt!.getTime());
    assert.deepEqual(
      a.audit.map((e) => e.action),
      ["run_created", "run_debounced", "run_debounced", "run_started", "run_succeeded"],
    );
    assert.equal(a.run.attempt, 1);

    // After its run started, the key's next delivery makes a new run.
    const later = await api.request("POST", "/api/workflows/debounced/triggers/webhook", {
      body: { order: "a", n: 5 },
    });
    assert.equal(later.status, 202);
    assert.notEqual(later.body.id, runOf(0));
  });

  it("refuses a debounce without a valid key or window with 422 naming the field", async () => {
    await api.deps.db.workflow.create({ data: { name: "debounce-bad", handle: "debounce-bad" } });
    for (const debounce of [{ key: "$(", seconds: 1 }, { key: "input.body.x", seconds: 0 }, { key: "input.body.x" }]) {
      const res = await api.request("PUT", "/api/workflows/debounce-bad/triggers/webhook/config", {
        body: { debounce },
      });
      assert.equal(res.status, 422, JSON.stringify(debounce));
      assert.equal(res.body.detail[0].loc[1], "debounce");
    }
  });
});
