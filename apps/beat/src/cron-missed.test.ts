import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { metricValue, scrapeMetrics } from "@switchyard/core/testing/scrape-metrics";

const MINUTE = 60_000;

describe("cron dead-man's switch across beats", () => {
  it("raises cron.missed once per occurrence that no beat dispatched, with three beats running", async (t) => {
    const deps = await createTestDeps();
    t.after(() => deps.close());
    // Stands in for the API: every dispatch creates nothing, as when no dispatcher could reach it.
    const api = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("[]"));
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => (api.closeAllConnections(), api.close(() => resolve()))));

    // A trigger saved four minutes ago, while no beat ran: its four occurrences (the window ends a minute ago) are
    // all past their 60 s deadline.
    const nowMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
    const savedAt = new Date(nowMinute - 4 * MINUTE);
    const workflow = await deps.db.workflow.create({ data: { name: "dead-man" } });
    await deps.db.cronTrigger.create({
      data: {
        workflowId: workflow.id,
        expression: "* * * * *",
        timezone: "UTC",
        allowOverlapping: true,
        catchup: "none",
        savedAt,
        endAt: new Date(nowMinute - MINUTE),
        expectWithinSeconds: 60,
      },
    });

    const beats: ServiceProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const beat = spawnService("beat", {
        ...deps.env,
        LOG_LEVEL: "debug",
        API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
        CRON_DISPATCH_INTERVAL: "1",
      });
      t.after(async () => assert.equal(await beat.stop(), 0));
      beats.push(beat);
    }
    const rows = await eventually(async () => {
      const found = await deps.db.cronMissedOccurrence.findMany({ orderBy: { scheduledFor: "asc" } });
      return found.length >= 4 ? found : undefined;
    }, 60_000);
    // Every beat checks three more times after the four were raised.
    const checks = (beat: ServiceProcess) => beat.logs.filter((l) => l.message === "cron expectations checked").length;
    const after = beats.map(checks);
    await eventually(async () => (beats.every((b, i) => checks(b) >= after[i]! + 3) ? true : undefined), 60_000);

    const again = await deps.db.cronMissedOccurrence.findMany({ orderBy: { scheduledFor: "asc" } });
    assert.deepEqual(
      again.map((r) => [r.scheduledFor.getTime(), r.reason, r.runId]),
      [0, 1, 2, 3].map((i) => [savedAt.getTime() + i * MINUTE, "not_dispatched", null]),
    );
    assert.equal(rows.length, 4);
    // Raised once: one warning and one count in all, whichever beat took each.
    const warnings = beats.flatMap((b) => b.logs.filter((l) => l.message === "cron occurrence missed"));
    assert.equal(warnings.length, 4);
    let counted = 0;
    for (const beat of beats) {
      const { port } = await beat.waitForLog((l) => l.message === "metrics listening");
      const text = await scrapeMetrics(`http://127.0.0.1:${String(port)}`);
      counted += metricValue(text, "switchyard_cron_missed_total", { workflow: workflow.id }) ?? 0;
    }
    assert.equal(counted, 4);
  });
});
