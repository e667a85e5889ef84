import assert from "node:assert/strict";
import { test } from "node:test";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { updateConcurrencyLimits } from "@switchyard/core/flow/concurrency-limits";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { waitForOutcome } from "@switchyard/core/testing/create-test-run";
import { createTestWorkflow } from "@switchyard/core/testing/run-fixtures";

/** Short leases so the slot frees within seconds; the defaults behave the same, only slower. */
const LEASES = { RUN_LEASE_SECONDS: "2", RUN_LEASE_HEARTBEAT_SECONDS: "1", LOG_LEVEL: "info" };

test("kill -9 of the worker holding a workflow's only slot: the slot frees at lease expiry and both runs finish, one at a time", async (t) => {
  const deps = await createTestDeps();
  const server = await startTestServer();
  const workers: ServiceProcess[] = [];
  const release = createGate();
  t.after(async () => {
    release.open();
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });
  // The first call never answers (its worker dies waiting); every later one answers at once.
  server.route("/hold", async (_req, n) => {
    if (n === 1) await release.promise;
    return { body: "done" };
  });
  const graph = { nodes: [{ id: "hold", type: "http.request", params: { url: `${server.url}/hold` } }], edges: [] };
  const workflow = await createTestWorkflow(deps.db, { name: "one slot" }, graph);
  await updateConcurrencyLimits(deps.db, workflow.workflowId, { max_running: 1, key: null, max_running_per_key: null });
  const spawnWorker = async (id: string) => {
    const worker = spawnService("worker", { ...deps.env, ...LEASES, WORKER_ID: id });
    workers.push(worker);
    await worker.waitForLog((l) => l.message === "worker started");
    return worker;
  };

  const first = await spawnWorker("slot-a");
  const [holder, waiter] = await createRuns(
    deps.db,
    [1, 2].map((n) => ({ ...workflow, triggeredBy: "test", execute: true, actor: "test", inputPayload: { n } })),
  );
  await enqueueRuns(deps.queues, [holder!.run.id]);
  await eventually(async () => (server.requests.length === 1 ? true : undefined));
  await enqueueRuns(deps.queues, [waiter!.run.id]);
  await eventually(async () => {
    const row = await deps.db.run.findUniqueOrThrow({ where: { id: waiter!.run.id } });
    return row.status === "pending" && row.blockedBy === "concurrency" ? true : undefined;
  });
  first.proc.kill("SIGKILL");
  await first.exited;

  await spawnWorker("slot-b");
  const a = await waitForOutcome(deps.db, holder!.run.id, 60_000);
  const b = await waitForOutcome(deps.db, waiter!.run.id, 60_000);
  assert.equal(a.run.status, "succeeded");
  assert.equal(b.run.status, "succeeded");
  // The holder was taken over after its lease expired and ran again; the waiter started only after it finished.
  assert.equal(a.run.attempt, 2);
  assert.ok(a.audit.some((e) => e.action === "run_lease_expired"));
  // One at a time after the crash: the holder's second attempt and the waiter's run do not overlap.
  const startOf = (audit: typeof a.audit, n: number) =>
    audit.filter((e) => e.action === "run_started")[n]!.at.getTime();
  const aAgain = startOf(a.audit, 1);
  const bStart = startOf(b.audit, 0);
  assert.ok(
    bStart > a.run.completedAt!.getTime() || b.run.completedAt!.getTime() < aAgain,
    JSON.stringify({ aAgain, aDone: a.run.completedAt, bStart, bDone: b.run.completedAt }),
  );
  assert.equal(b.run.attempt, 1);
});
