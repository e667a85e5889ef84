import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("workflow retention API", () => {
  let api: TestApi;
  const path = "/api/workflows/kept/retention";
  before(async () => {
    api = await startTestApi({ RUN_RETENTION_DAYS: "30", RUN_RETENTION_DAYS_FAILED: "90" });
    await api.deps.db.workflow.create({ data: { name: "Kept", handle: "kept" } });
  });
  after(async () => {
    await api.close();
  });

  it("answers the global windows for a workflow without an override", async () => {
    const res = await api.request("GET", path);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      days: null,
      failed_days: null,
      effective: { succeeded: 30, failed: 90, cancelled: 30 },
    });
  });

  it("stores an override, applies the precedence, and replaces it on the next PUT", async () => {
    const put = await api.request("PUT", path, { body: { days: 7 } });
    assert.equal(put.status, 200);
    // The workflow's days beat the global failed window: a workflow's setting replaces the global ones.
    assert.deepEqual(put.body, { days: 7, failed_days: null, effective: { succeeded: 7, failed: 7, cancelled: 7 } });
    assert.deepEqual((await api.request("GET", path)).body, put.body);

    const both = await api.request("PUT", path, { body: { days: 7, failed_days: 365 } });
    assert.deepEqual(both.body.effective, { succeeded: 7, failed: 365, cancelled: 7 });

    const cleared = await api.request("PUT", path, { body: {} });
    assert.deepEqual(cleared.body, {
      days: null,
      failed_days: null,
      effective: { succeeded: 30, failed: 90, cancelled: 30 },
    });
    const row = await api.deps.db.workflow.findUnique({ where: { handle: "kept" } });
    assert.equal(row?.retentionDays, null);
    assert.equal(row?.retentionDaysFailed, null);
  });

  it("refuses bad values and unknown fields with 422 naming the field", async () => {
    for (const [body, field] of [
      [{ days: 0 }, "days"],
      [{ days: 1.5 }, "days"],
      [{ days: "7" }, "days"],
      [{ days: 36_501 }, "days"],
      [{ failed_days: -1 }, "failed_days"],
      [{ retention_days: 7 }, ""],
    ] as const) {
      const res = await api.request("PUT", path, { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(res.body.detail), JSON.stringify(res.body));
      if (field !== "") assert.deepEqual(res.body.detail[0].loc, ["body", field]);
    }
    const notJson = await api.request("PUT", path, { raw: "{", headers: { "content-type": "application/json" } });
    assert.equal(notJson.status, 422);
    const noBody = await api.request("PUT", path);
    assert.equal(noBody.status, 422);
  });

  it("answers 404 for an unknown workflow", async () => {
    assert.equal((await api.request("GET", "/api/workflows/missing/retention")).status, 404);
    assert.equal((await api.request("PUT", "/api/workflows/missing/retention", { body: {} })).status, 404);
  });
});
