import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseCronConfig } from "./cron-config";

const NOW = new Date("2026-01-01T00:00:00Z");

function detailOf(body: unknown): unknown {
  try {
    parseCronConfig(body, NOW);
  } catch (err) {
    assert.equal((err as { status: number }).status, 422);
    return (err as { detail: unknown }).detail;
  }
  assert.fail("expected a 422");
}

describe("parseCronConfig", () => {
  it("fills every default", () => {
    assert.deepEqual(parseCronConfig({}, NOW), {
      expression: "0 * * * *",
      timezone: "UTC",
      allowOverlapping: false,
      startAt: null,
      endAt: null,
      catchup: "all",
      expectWithinSeconds: null,
    });
  });

  it("keeps timezone-aware bounds as instants", () => {
    const config = parseCronConfig(
      { start_at: "2026-01-01T10:00:00+01:00", end_at: "2026-02-01T00:00:00Z", catchup: "none" },
      NOW,
    );
    assert.equal(config.startAt?.toISOString(), "2026-01-01T09:00:00.000Z");
    assert.equal(config.endAt?.toISOString(), "2026-02-01T00:00:00.000Z");
    assert.equal(config.catchup, "none");
  });

  it("answers the spec's messages for a bad expression or zone", () => {
    assert.equal(detailOf({ expression: "0 0 9 * * *" }), "Invalid cron expression: 0 0 9 * * *");
    assert.equal(detailOf({ timezone: "Nowhere/Land" }), "Unknown timezone 'Nowhere/Land'");
  });

  it("rejects schedules faster than every 300 seconds unless overlapping is allowed", () => {
    const detail = detailOf({ expression: "0,1 9 * * *" }) as { loc: string[] }[];
    assert.deepEqual(detail[0]?.loc, ["body", "allow_overlapping"]);
    assert.ok(detailOf({ expression: "* * * * *" }));
    assert.doesNotThrow(() => parseCronConfig({ expression: "*/5 * * * *" }, NOW));
    assert.doesNotThrow(() => parseCronConfig({ expression: "* * * * *", allow_overlapping: true }, NOW));
  });

  it("rejects naive, off-minute and inverted bounds, and unknown fields", () => {
    const locs = (body: unknown) => (detailOf(body) as { loc: string[] }[]).map((i) => i.loc.join("."));
    assert.deepEqual(locs({ start_at: "2026-01-01T10:00:00" }), ["body.start_at"]);
    assert.deepEqual(locs({ end_at: "2026-01-01T10:00:30Z" }), ["body.end_at"]);
    assert.deepEqual(locs({ start_at: "2026-01-01T10:00:00Z", end_at: "2026-01-01T10:00:00Z" }), ["body.end_at"]);
    assert.deepEqual(locs({ catchup: "some" }), ["body.catchup"]);
    assert.deepEqual(locs({ extra: 1 }), ["body"]);
  });
});
