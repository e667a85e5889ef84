import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../config";
import { effectiveRetention } from "./retention-policy";

describe("effectiveRetention", () => {
  const global = { RUN_RETENTION_DAYS: 30, RUN_RETENTION_DAYS_FAILED: 90 };

  it("takes the global windows for a workflow without an override", () => {
    assert.deepEqual(effectiveRetention(global, { days: null, failedDays: null }), {
      succeeded: 30,
      failed: 90,
      cancelled: 30,
    });
    assert.deepEqual(effectiveRetention({ RUN_RETENTION_DAYS: 30 }, { days: null, failedDays: null }), {
      succeeded: 30,
      failed: 30,
      cancelled: 30,
    });
  });

  it("lets the workflow's settings win, its failed_days over its days", () => {
    assert.deepEqual(effectiveRetention(global, { days: 7, failedDays: null }), {
      succeeded: 7,
      failed: 7,
      cancelled: 7,
    });
    assert.deepEqual(effectiveRetention(global, { days: 7, failedDays: 365 }), {
      succeeded: 7,
      failed: 365,
      cancelled: 7,
    });
    assert.deepEqual(effectiveRetention(global, { days: null, failedDays: 2 }), {
      succeeded: 30,
      failed: 2,
      cancelled: 30,
    });
  });
});

describe("retention configuration", () => {
  it("defaults to 30 days, hourly passes of up to 100 batches of 1000", () => {
    const c = parseConfig({});
    assert.equal(c.RUN_RETENTION_DAYS, 30);
    assert.equal(c.RUN_RETENTION_DAYS_FAILED, undefined);
    assert.equal(c.RETENTION_INTERVAL_SECONDS, 3600);
    assert.equal(c.RETENTION_BATCH_SIZE, 1000);
    assert.equal(c.RETENTION_MAX_BATCHES, 100);
  });

  it("refuses windows that are not whole days from 1 to 36500", () => {
    for (const bad of ["0", "-1", "1.5", "36501", "forever"]) {
      assert.throws(() => parseConfig({ RUN_RETENTION_DAYS: bad }), /RUN_RETENTION_DAYS/, bad);
      assert.throws(() => parseConfig({ RUN_RETENTION_DAYS_FAILED: bad }), /RUN_RETENTION_DAYS_FAILED/, bad);
    }
    assert.equal(parseConfig({ RUN_RETENTION_DAYS_FAILED: "90" }).RUN_RETENTION_DAYS_FAILED, 90);
  });
});
