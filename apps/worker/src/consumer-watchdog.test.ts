import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRedis } from "@switchyard/core/redis";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";
import { createWorker, type RunsWorker } from "./worker";

describe("worker watchdog", () => {
  let deps: TestDeps;
  let runsWorker: RunsWorker;
  const workerRedis = createRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", "worker");
  before(async () => {
    deps = await createTestDeps({ WORKER_WATCHDOG_SECONDS: "1", WORKER_ID: "watched" });
    runsWorker = await createWorker({ ...deps, workerRedis });
  });
  after(async () => {
    await runsWorker.close();
    workerRedis.disconnect();
    await deps.close();
  });

  it("replaces a consumer that takes no job while jobs wait, and the run then completes", async () => {
    const stuck = runsWorker.consumer.current();
    // A consumer that stopped fetching while its connection is up (closed behind the worker's back).
    await stuck.close();
    const { runId } = await createTestRun(deps.db, {
      nodes: [{ id: "a", type: "set", params: { value: 1 } }],
      edges: [],
    });
    await enqueueRuns(deps.queues, [runId]);
    const { run } = await waitForOutcome(deps.db, runId, 30_000);
    assert.equal(run.status, "succeeded");
    assert.notEqual(runsWorker.consumer.current(), stuck);
    assert.ok(runsWorker.consumer.isConnected());
  });
});
