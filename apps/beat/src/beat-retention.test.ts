import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { seedRuns } from "@switchyard/core/beat/testing/seed-runs";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { spawnService } from "@switchyard/core/testing/service-process";

describe("beat retention", () => {
  let deps: TestDeps;
  let api: Server;
  before(async () => {
    deps = await createTestDeps();
    // Stands in for the API the beat's cron ticks call: no cron run is due.
    api = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("[]"));
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  });
  after(async () => {
    api.closeAllConnections();
    await new Promise<void>((resolve) => api.close(() => resolve()));
    await deps.close();
  });

  it("purges expired terminal runs when it starts, logs the counts, and leaves the rest", async () => {
    const [expired1, expired2, recent, pending] = await seedRuns(deps.db, [
      { status: "cancelled" },
      { status: "cancelled" },
      { status: "cancelled" },
      { execute: false, ageSeconds: 400 * 86_400 },
    ]);
    await deps.db.$executeRawUnsafe(
      `UPDATE runs SET completed_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])`,
      [expired1, expired2],
    );

    const beat = spawnService("beat", {
      ...deps.env,
      LOG_LEVEL: "info",
      API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      RUN_RETENTION_DAYS: "30",
    });
    try {
      const line = await beat.waitForLog((l) => l.message === "retention purged runs", 60_000);
      assert.equal(line.deleted, 2);
      assert.equal(line.cancelled, 2);
      assert.equal(line.truncated, false);
    } finally {
      assert.equal(await beat.stop(), 0);
    }
    const left = await deps.db.run.findMany({ select: { id: true } });
    assert.deepEqual(left.map((r) => r.id).sort(), [recent, pending].sort());
  });
});
