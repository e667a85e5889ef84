import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { raiseMissedCronOccurrences } from "@switchyard/core/triggers/cron/raise-missed-cron-occurrences";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

const MINUTE = 60_000;
const FAILING = { nodes: [{ id: "boom", type: "fail", params: { message: "nope" } }], edges: [] };

describe("cron expect (dead-man's switch)", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  before(async () => {
    api = await startTestApi();
    await api.request("POST", "/api/workflows", { body: { name: "nightly", handle: "nightly" } });
    await api.request("POST", "/api/workflows/nightly/versions", { body: { graph: FAILING } });
    worker = spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info", WORKER_CONCURRENCY: "4" });
    await worker.waitForLog((l) => l.message === "worker started", 60_000);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  it("refuses a within_seconds of 0 or past a day, naming the field, and keeps a valid expect", async () => {
    for (const within of [0, 86_401]) {
      const res = await api.request("PUT", "/api/workflows/nightly/triggers/cron/config", {
        body: { expression: "* * * * *", allow_overlapping: true, expect: { within_seconds: within } },
      });
      assert.equal(res.status, 422, res.text);
      assert.deepEqual(res.body.detail[0].loc, ["body", "expect", "within_seconds"]);
    }
    const off = await api.request("PUT", "/api/workflows/nightly/triggers/cron/config", {
      body: { expression: "* * * * *", allow_overlapping: true },
    });
    assert.equal(off.body.expect, null);
  });

  it("raises failed for an occurrence whose run failed, with its run, once, and shows it in the occurrences view", async () => {
    const put = await api.request("PUT", "/api/workflows/nightly/triggers/cron/config", {
      body: { expression: "* * * * *", allow_overlapping: true, expect: { within_seconds: 30 } },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.expect, { within_seconds: 30 });
    // The first occurrence at or after the save fires at a dispatch a minute later; its run fails in the worker.
    const occurrence = Math.ceil(Date.now() / MINUTE) * MINUTE;
    const dispatch = await api.request("POST", "/api/triggers/cron/dispatch", {
      body: { now: new Date(occurrence + 1_000).toISOString() },
    });
    assert.equal(dispatch.status, 200, dispatch.text);
    const [run] = dispatch.body as { id: string }[];
    assert.ok(run !== undefined);
    await eventually(async () => {
      const r = await api.request("GET", `/api/runs/${run.id}`);
      return r.body.status === "failed" ? true : undefined;
    });

    // Before its deadline nothing is raised; past it, `failed` with the run, and only once.
    assert.deepEqual(await raiseMissedCronOccurrences(api.deps, new Date(occurrence + 29_000)), []);
    const raised = await raiseMissedCronOccurrences(api.deps, new Date(occurrence + 31_000));
    assert.deepEqual(raised, [
      { workflowId: put.body.workflow_id, scheduledFor: new Date(occurrence), reason: "failed", runId: run.id },
    ]);
    assert.deepEqual(await raiseMissedCronOccurrences(api.deps, new Date(occurrence + 45_000)), []);

    const view = await api.request("GET", "/api/workflows/nightly/triggers/cron/occurrences");
    assert.equal(view.status, 200);
    assert.equal(view.body.missed.length, 1);
    assert.equal(view.body.missed[0].reason, "failed");
    assert.equal(view.body.missed[0].run_id, run.id);
    assert.equal(view.body.missed[0].scheduled_for, new Date(occurrence).toISOString());
  });
});
