import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const CONFIG = "/api/workflows/nightly/triggers/cron/config";

describe("cron trigger config API", () => {
  let api: TestApi;
  let workflowId: string;
  before(async () => {
    api = await startTestApi();
    workflowId = (await api.deps.db.workflow.create({ data: { name: "Nightly", handle: "nightly" } })).id;
  });
  after(async () => {
    await api.close();
  });

  it("answers 404 Cron trigger not found before a config is saved", async () => {
    const res = await api.request("GET", CONFIG);
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { detail: "Cron trigger not found" });
  });

  it("saves a config with every default and reads it back by handle or id", async () => {
    const saved = await api.request("PUT", CONFIG, { body: {} });
    assert.equal(saved.status, 200);
    const expected = {
      workflow_id: workflowId,
      expression: "0 * * * *",
      timezone: "UTC",
      allow_overlapping: false,
      start_at: null,
      end_at: null,
      catchup: "all",
      expect: null,
      last_dispatched_at: null,
    };
    assert.deepEqual(saved.body, expected);
    assert.deepEqual((await api.request("GET", CONFIG)).body, expected);
    assert.deepEqual((await api.request("GET", `/api/workflows/${workflowId}/triggers/cron/config`)).body, expected);
  });

  it("replaces the whole config on PUT and answers bounds in UTC", async () => {
    const res = await api.request("PUT", CONFIG, {
      body: {
        expression: "0 9 * JAN-MAR MON-FRI",
        timezone: "Europe/Berlin",
        allow_overlapping: true,
        start_at: "2026-01-01T09:00:00+01:00",
        end_at: "2026-06-01T00:00:00Z",
        catchup: "latest",
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.expression, "0 9 * JAN-MAR MON-FRI");
    assert.equal(res.body.timezone, "Europe/Berlin");
    assert.equal(res.body.allow_overlapping, true);
    assert.equal(res.body.start_at, "2026-01-01T08:00:00.000Z");
    assert.equal(res.body.end_at, "2026-06-01T00:00:00.000Z");
    assert.equal(res.body.catchup, "latest");
    const defaults = await api.request("PUT", CONFIG, { body: { expression: "30 6 * * *" } });
    assert.equal(defaults.body.timezone, "UTC");
    assert.equal(defaults.body.start_at, null);
    assert.equal(defaults.body.catchup, "all");
  });

  it("clears last_dispatched_at and restarts the schedule when a config is saved", async () => {
    await api.deps.db.cronTrigger.update({
      where: { workflowId },
      data: { lastDispatchedAt: new Date("2026-01-01T06:30:00Z"), savedAt: new Date("2020-01-01T00:00:00Z") },
    });
    assert.equal((await api.request("GET", CONFIG)).body.last_dispatched_at, "2026-01-01T06:30:00.000Z");
    const before = Date.now();
    const res = await api.request("PUT", CONFIG, { body: { expression: "30 7 * * *" } });
    assert.equal(res.body.last_dispatched_at, null);
    const row = await api.deps.db.cronTrigger.findUniqueOrThrow({ where: { workflowId } });
    assert.ok(row.savedAt.getTime() >= before - 1000);
  });

  it("answers 422 Invalid cron expression for 6-field, malformed and impossible expressions", async () => {
    for (const expression of ["0 0 9 * * *", "0 9 * *", "99 * * * *", "every day", "0 0 31 2 *"]) {
      const res = await api.request("PUT", CONFIG, { body: { expression } });
      assert.equal(res.status, 422, expression);
      assert.deepEqual(res.body, { detail: `Invalid cron expression: ${expression}` });
    }
  });

  it("answers 422 Unknown timezone for a name that is not an IANA zone", async () => {
    const res = await api.request("PUT", CONFIG, { body: { timezone: "Mars/Olympus" } });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body, { detail: "Unknown timezone 'Mars/Olympus'" });
  });

  it("answers 422 for a schedule faster than every 300 seconds unless overlapping is allowed", async () => {
    for (const expression of ["* * * * *", "*/4 * * * *", "0,1 9 * * *"]) {
      const res = await api.request("PUT", CONFIG, { body: { expression } });
      assert.equal(res.status, 422, expression);
      assert.deepEqual(res.body.detail[0].loc, ["body", "allow_overlapping"]);
    }
    assert.equal((await api.request("PUT", CONFIG, { body: { expression: "*/5 * * * *" } })).status, 200);
    const fast = await api.request("PUT", CONFIG, { body: { expression: "* * * * *", allow_overlapping: true } });
    assert.equal(fast.status, 200);
  });

  it("answers 422 for naive, off-minute or inverted bounds, an unknown catchup and unknown fields", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ start_at: "2026-01-01T09:00:00" }, "start_at"],
      [{ end_at: "2026-01-01T09:00:30Z" }, "end_at"],
      [{ start_at: "2026-01-01T09:00:00.500Z" }, "start_at"],
      [{ start_at: "2026-01-02T00:00:00Z", end_at: "2026-01-01T00:00:00Z" }, "end_at"],
      [{ start_at: "2026-01-01T00:00:00Z", end_at: "2026-01-01T00:00:00Z" }, "end_at"],
      [{ catchup: "sometimes" }, "catchup"],
      [{ allow_overlapping: "yes" }, "allow_overlapping"],
    ];
    for (const [body, field] of cases) {
      const res = await api.request("PUT", CONFIG, { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.deepEqual(res.body.detail[0].loc, ["body", field], JSON.stringify(body));
    }
    const unknown = await api.request("PUT", CONFIG, { body: { expression: "0 * * * *", every: "hour" } });
    assert.equal(unknown.status, 422);
    assert.ok(Array.isArray(unknown.body.detail));
  });

  it("deletes with 204, also when nothing is configured", async () => {
    await api.request("PUT", CONFIG, { body: {} });
    const res = await api.request("DELETE", CONFIG);
    assert.equal(res.status, 204);
    assert.equal(res.text, "");
    assert.equal((await api.request("GET", CONFIG)).status, 404);
    assert.equal((await api.request("DELETE", CONFIG)).status, 204);
  });

  it("answers 404 Workflow not found for an unknown workflow on every method", async () => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await api.request(method, "/api/workflows/missing/triggers/cron/config", {
        body: method === "PUT" ? {} : undefined,
      });
      assert.equal(res.status, 404, method);
      assert.deepEqual(res.body, { detail: "Workflow not found" });
    }
  });
});
