import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { applyRunAction } from "@switchyard/core/runs/run-actions";
import { publishRunCancel } from "@switchyard/core/runs/run-cancellation";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

const WORKER_ID = "code-limits";
const code = (id: string, source: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "code",
  params: { source, timeout_seconds: 600 },
  ...extra,
});

describe("code nodes on a real worker", () => {
  let deps: TestDeps;
  let worker: ServiceProcess;
  const watchers: (() => Promise<unknown>)[] = [];
  before(async () => {
    deps = await createTestDeps();
    worker = spawnService("worker", {
      ...deps.env,
      LOG_LEVEL: "info",
      WORKER_ID,
      WORKER_CONCURRENCY: "10",
      RUN_LEASE_SECONDS: "4",
      RUN_LEASE_HEARTBEAT_SECONDS: "1",
      WORKER_SHUTDOWN_TIMEOUT: "1",
    });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await Promise.all(watchers.map((stop) => stop()));
    await worker.stop("SIGKILL");
    await deps.close();
  });

  const start = async (graph: unknown, runnableConfig?: unknown) => {
    const { runId } = await createTestRun(deps.db, graph, { runnableConfig });
    await enqueueRuns(deps.queues, [runId]);
    return runId;
  };
  const statusOf = async (runId: string) => (await deps.db.run.findUniqueOrThrow({ where: { id: runId } })).status;

  /**
   * Polls the worker's heartbeat and the lease of `runId` until stopped: every distinct heartbeat seen, and whether
   * the run was ever seen running with an expired lease.
   */
  const watchHeartbeat = (runId: string) => {
    const beats = new Set<number>();
    let leaseLapsed = false;
    let stopped = false;
    const polling = (async () => {
      while (!stopped) {
        const [row, run] = await Promise.all([
          deps.db.worker.findUnique({ where: { id: WORKER_ID } }),
          deps.db.run.findUniqueOrThrow({ where: { id: runId } }),
        ]);
        if (row !== null) beats.add(row.lastHeartbeatAt.getTime());
        if (run.status === "running" && run.leaseExpiresAt !== null && run.leaseExpiresAt < new Date()) {
          leaseLapsed = true;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const stop = async () => {
      stopped = true;
      await polling;
      return { beats: beats.size, leaseLapsed };
    };
    watchers.push(stop);
    return stop;
  };

  it("fails 16 parallel nodes returning 40 MB each, each naming its limit, while another run completes and the heartbeat goes on", async () => {
    const nodes = Array.from({ length: 16 }, (_, i) =>
      code(`big${i}`, "return 'x'.repeat(40 * 1024 * 1024);", { continue_on_error: true }),
    );
    const bigRun = await start({ nodes, edges: [] }, { max_parallel: 16 });
    await worker.waitForLog((l) => l.message === "run started" && l.runId === bigRun);
    const watch = watchHeartbeat(bigRun);
    const other = await start({ nodes: [{ id: "s", type: "set", params: { value: { ok: true } } }], edges: [] });
    assert.equal((await waitForOutcome(deps.db, other)).run.status, "succeeded");
    assert.equal(await statusOf(bigRun), "running", "the other run completed while the code nodes ran");
    const { run, steps } = await waitForOutcome(deps.db, bigRun, 120_000);
    const { beats, leaseLapsed } = await watch();
    assert.equal(run.status, "succeeded");
    assert.equal(steps.length, 16);
    for (const step of steps) {
      assert.equal(step.status, "failed");
      assert.match(
        String(step.error),
        /^code (ran out of memory \(limit 64 MB\)|output exceeds CODE_MAX_OUTPUT_BYTES \(1048576 bytes\))$/,
      );
    }
    assert.equal(worker.proc.exitCode, null, "the worker process lives on");
    assert.ok(beats >= 2, `the heartbeat advanced ${beats} times while the code ran`);
    assert.equal(leaseLapsed, false, "the run's lease expired while it ran");
  });

  it("keeps serving while endless loops hold every engine, and a cancel frees them at once", async () => {
    const loops = Array.from({ length: 6 }, (_, i) => code(`spin${i}`, "while (true) {}"));
    const spinning = await start({ nodes: loops, edges: [] }, { max_parallel: 6 });
    await worker.waitForLog((l) => l.message === "run started" && l.runId === spinning);
    const watch = watchHeartbeat(spinning);
    const other = await start({ nodes: [{ id: "s", type: "set", params: { value: { ok: true } } }], edges: [] });
    assert.equal((await waitForOutcome(deps.db, other)).run.status, "succeeded");
    // A code node waits for an engine: the loops hold all four, two more loops wait before it.
    const queued = await start({ nodes: [code("c", "return input;")], edges: [] });
    await worker.waitForLog((l) => l.message === "run started" && l.runId === queued);
    assert.equal(await statusOf(queued), "running");
    await applyRunAction(deps, spinning, "cancel", { actor: "test" });
    await publishRunCancel(deps.redis, deps.env.QUEUE_PREFIX!, spinning, deps.logger);
    // Far sooner than the loops' 600 s timeout: the interrupt stopped them and the engines went back to the pool.
    const { run } = await waitForOutcome(deps.db, queued, 10_000);
    assert.equal(run.status, "succeeded");
    assert.equal(await statusOf(spinning), "cancelled");
    const { beats, leaseLapsed } = await watch();
    assert.ok(beats >= 1, `the heartbeat advanced ${beats} times while the loops ran`);
    assert.equal(leaseLapsed, false);
    assert.equal(
      worker.logs.filter((l) => l.message === "code thread terminated: its code did not stop in time").length,
      0,
    );
  });

  it("stops on SIGTERM while code loops, handing the run back", async () => {
    const spinning = await start({ nodes: [code("spin", "while (true) {}")], edges: [] });
    await worker.waitForLog((l) => l.message === "run started" && l.runId === spinning);
    worker.proc.kill("SIGTERM");
    assert.equal(await worker.exited, 0);
    assert.ok(worker.logs.some((l) => l.message === "shutdown deadline passed, handing active runs back"));
    const handedBack = await deps.db.run.findUniqueOrThrow({ where: { id: spinning } });
    assert.equal(handedBack.status, "pending");
  });
});
