import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { seedRuns } from "@switchyard/core/beat/testing/seed-runs";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { metricValue, scrapeMetrics } from "@switchyard/core/testing/scrape-metrics";

describe("beat metrics", () => {
  let deps: TestDeps;
  let beat: ServiceProcess;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await beat?.stop();
    await deps?.close();
  });

  it("serves /metrics with the runs its reconciler repaired", async () => {
    await seedRuns(deps.db, [{ ageSeconds: 120 }]);
    beat = spawnService("beat", {
      ...deps.env,
      LOG_LEVEL: "info",
      // Nothing listens there: cron ticks fail and are retried, which this test does not look at.
      API_URL: "http://127.0.0.1:9",
      RECONCILE_AFTER_SECONDS: "1",
      RECONCILE_INTERVAL_SECONDS: "1",
    });
    const listening = await beat.waitForLog((l) => l.message === "metrics listening");
    await beat.waitForLog((l) => l.message === "reconciler enqueued runs");
    const url = `http://127.0.0.1:${String(listening.port)}`;
    // Counted before the pass logs it.
    assert.equal(metricValue(await scrapeMetrics(url), "switchyard_reconciler_repairs_total"), 1);
  });
});
