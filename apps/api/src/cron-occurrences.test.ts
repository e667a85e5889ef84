import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

type Occurrence = {
  scheduled_for: string;
  local: string;
  outcome: string;
  run_id: string | null;
  covers_until: string | null;
  overlap_holds: number;
};

describe("cron occurrence outcomes", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  async function scheduled(handle: string, config: Record<string, unknown>) {
    await api.request("POST", "/api/workflows", { body: { name: handle, handle } });
    assert.equal(
      (await api.request("POST", `/api/workflows/${handle}/versions`, { body: { graph: GRAPH } })).status,
      201,
    );
    const res = await api.request("PUT", `/api/workflows/${handle}/triggers/cron/config`, { body: config });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  async function dispatch(now: string): Promise<{ id: string; workflow_id: string }[]> {
    const res = await api.request("POST", "/api/triggers/cron/dispatch", { body: { now } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }
  async function outlook(handle: string) {
    const res = await api.request("GET", `/api/workflows/${handle}/triggers/cron/occurrences`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as {
      timezone: string;
      next_fire_times: { at: string; local: string }[];
      occurrences: Occurrence[];
    };
  }

  it("records fired, then held by the overlap guard, then fired once the active run ended", async () => {
    await scheduled("hourly", { expression: "0 * * * *", timezone: "Europe/Berlin", start_at: "2026-01-01T00:00:00Z" });
    const [first] = await dispatch("2026-01-01T00:30:00Z");
    assert.ok(first);
    // 01:00 is due while the 00:00 run is still pending: held, not consumed.
    assert.deepEqual(await dispatch("2026-01-01T01:30:00Z"), []);
    assert.deepEqual(await dispatch("2026-01-01T01:31:00Z"), []);
    let o = (await outlook("hourly")).occurrences;
    assert.deepEqual(
      o.map((x) => [x.scheduled_for, x.outcome, x.overlap_holds]),
      [
        ["2026-01-01T01:00:00.000Z", "skipped_overlap", 2],
        ["2026-01-01T00:00:00.000Z", "fired", 0],
      ],
    );
    assert.equal(o[1]!.run_id, first.id);
    assert.equal(o[1]!.local, "2026-01-01 01:00 GMT+1");

    // A cron run is executed by the workers: the API can cancel it, not fail it.
    const ended = await api.request("POST", `/api/runs/${first.id}/cancel`, { body: { reason: "done" } });
    assert.equal(ended.status, 200, ended.text);
    const [second] = await dispatch("2026-01-01T01:32:00Z");
    assert.ok(second);
    o = (await outlook("hourly")).occurrences;
    assert.deepEqual(
      o.map((x) => [x.scheduled_for, x.outcome, x.overlap_holds, x.run_id]),
      [
        ["2026-01-01T01:00:00.000Z", "fired", 2, second.id],
        ["2026-01-01T00:00:00.000Z", "fired", 0, first.id],
      ],
    );
  });

  it("records the occurrences passed over by catch-up as one caught_up range, and missed ones", async () => {
    await scheduled("latest", {
      expression: "0 * * * *",
      timezone: "UTC",
      start_at: "2026-01-01T00:00:00Z",
      catchup: "latest",
      allow_overlapping: true,
    });
    await scheduled("none", {
      expression: "0 * * * *",
      timezone: "UTC",
      start_at: "2026-01-01T00:00:00Z",
      catchup: "none",
      allow_overlapping: true,
    });
    const runs = await dispatch("2026-01-01T05:30:00Z");
    const latest = (await outlook("latest")).occurrences;
    assert.deepEqual(
      latest.map((x) => [x.scheduled_for, x.outcome, x.covers_until]),
      [
        ["2026-01-01T05:00:00.000Z", "fired", null],
        ["2026-01-01T00:00:00.000Z", "caught_up", "2026-01-01T05:00:00.000Z"],
      ],
    );
    assert.ok(runs.some((r) => r.id === latest[0]!.run_id));
    // catchup "none", 30 minutes late (beyond the grace window): consumed without a run.
    assert.deepEqual(
      (await outlook("none")).occurrences.map((x) => [x.scheduled_for, x.outcome, x.run_id]),
      [["2026-01-01T05:00:00.000Z", "missed", null]],
    );
  });

  it("lists the next 10 fire times in the trigger's timezone", async () => {
    await scheduled("weekday", {
      expression: "30 9 * * MON-FRI",
      timezone: "America/New_York",
      start_at: "2030-03-01T00:00:00Z",
    });
    const { next_fire_times: times, timezone } = await outlook("weekday");
    assert.equal(timezone, "America/New_York");
    assert.equal(times.length, 10);
    // 2030-03-01 is a Friday; DST starts on 2030-03-10, the UTC time moves by an hour, the wall clock does not.
    assert.deepEqual(times[0], { at: "2030-03-01T14:30:00.000Z", local: "2030-03-01 09:30 EST" });
    assert.deepEqual(times[1], { at: "2030-03-04T14:30:00.000Z", local: "2030-03-04 09:30 EST" });
    assert.deepEqual(times[6], { at: "2030-03-11T13:30:00.000Z", local: "2030-03-11 09:30 EDT" });
  });

  it("answers 404 without a cron trigger and 422 on a bad limit", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "plain", handle: "plain" } });
    const none = await api.request("GET", "/api/workflows/plain/triggers/cron/occurrences");
    assert.equal(none.status, 404);
    assert.equal(none.body.detail, "Cron trigger not found");
    assert.equal((await api.request("GET", "/api/workflows/nope/triggers/cron/occurrences")).status, 404);
    assert.equal((await api.request("GET", "/api/workflows/hourly/triggers/cron/occurrences?limit=0")).status, 422);
  });
});
