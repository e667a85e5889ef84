import assert from "node:assert/strict";
import { test } from "node:test";
import type { Db } from "@switchyard/core/db";
import { createReconciler } from "@switchyard/core/beat/reconcile-runs";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { transitionRun } from "@switchyard/core/runs/transition-run";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { createWorkflow } from "./lib/fault-deps";
import { reportFigures } from "./lib/report-figures";

const LEASE = { RUN_LEASE_SECONDS: "4", RUN_LEASE_HEARTBEAT_SECONDS: "1" };

async function startParent(db: Db, graph: unknown): Promise<string> {
  const { workflowId, versionId } = await createWorkflow(db, graph, "parent");
  const [created] = await createRuns(db, [
    { workflowId, workflowVersionId: versionId, triggeredBy: "fault", inputPayload: {}, execute: true, actor: "fault" },
  ]);
  return created!.run.id;
}

const resumes = async (db: Db, runId: string) => db.runAuditEntry.count({ where: { runId, action: "run_resumed" } });

const finished = (db: Db, runId: string) =>
  eventually(
    async () => {
      const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
      return ["succeeded", "failed", "cancelled"].includes(run.status) ? run : undefined;
    },
    60_000,
    `run ${runId} to finish`,
  );

test("kill -9 of the worker that ran a parent while its children run: the parent resumes once, after the last child", async (t) => {
  const deps = await createTestDeps();
  const server = await startTestServer();
  const workers: ServiceProcess[] = [];
  t.after(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });
  const release = createGate();
  server.route("/hold", async () => {
    await release.promise;
    return { body: "done" };
  });
  const child = await createWorkflow(deps.db, {
    nodes: [{ id: "hold", type: "http.request", params: { url: `${server.url}/hold?i={{ input.index }}` } }],
    edges: [],
  });
  const parentId = await startParent(deps.db, {
    nodes: [
      { id: "m", type: "map", params: { items: "[1, 2, 3, 4, 5, 6]", workflow: child.workflowId, concurrency: 4 } },
    ],
    edges: [],
  });
  const spawn = (id: string) => {
    const w = spawnService("worker", {
      ...deps.env,
      ...LEASE,
      LOG_LEVEL: "info",
      WORKER_ID: id,
      WORKER_CONCURRENCY: "10",
    });
    workers.push(w);
    return w.waitForLog((l) => l.message === "worker started", 60_000);
  };
  // The parent and its first children start on worker a alone.
  await spawn("kids-a");
  await enqueueRuns(deps.queues, [parentId]);
  await eventually(
    async () => (server.requests.filter((r) => r.path === "/hold").length >= 4 ? true : undefined),
    60_000,
    "four children holding",
  );
  assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id: parentId } })).status, "waiting");
  await spawn("kids-b");
  const victim = workers[0]!;
  const killedAt = Date.now();
  victim.proc.kill("SIGKILL");
  await victim.exited;
  release.open();
  const parent = await finished(deps.db, parentId);
  assert.equal(parent.status, "succeeded", parent.error ?? "");
  const children = await deps.db.run.findMany({ where: { parentRunId: parentId } });
  assert.equal(children.length, 6);
  assert.ok(children.every((c) => c.status === "succeeded"));
  const lastChild = Math.max(...children.map((c) => c.completedAt!.getTime()));
  const resumed = await deps.db.runAuditEntry.findMany({ where: { runId: parentId, action: "run_resumed" } });
  assert.equal(resumed.length, 1, "the parent resumes exactly once");
  assert.ok(resumed[0]!.at.getTime() >= lastChild, "after its last child");
  reportFigures("child-runs-parent-worker-crash", {
    accepted: 1,
    terminal: 1,
    executed_twice: 0,
    recovery_ms: parent.completedAt!.getTime() - killedAt,
  });
});

test("a parent whose last child finished as its process died is resumed once by the reconciler", async (t) => {
  const deps = await createTestDeps();
  const workers: ServiceProcess[] = [];
  t.after(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await deps.close();
  });
  const child = await createWorkflow(deps.db, {
    nodes: [{ id: "w", type: "wait_for_signal", params: { name: "go" } }],
    edges: [],
  });
  const parentId = await startParent(deps.db, {
    nodes: [{ id: "m", type: "map", params: { items: "[1]", workflow: child.workflowId, on_failure: "collect" } }],
    edges: [],
  });
  const worker = spawnService("worker", { ...deps.env, LOG_LEVEL: "info" });
  workers.push(worker);
  await worker.waitForLog((l) => l.message === "worker started", 60_000);
  await enqueueRuns(deps.queues, [parentId]);
  const childRun = await eventually(
    async () => (await deps.db.run.findFirst({ where: { parentRunId: parentId, status: "waiting" } })) ?? undefined,
    30_000,
    "the child waiting",
  );
  // The child's terminal transition commits (the trigger resolves its group) and its process dies before it can
  // claim the parent's resume.
  const cancelled = await transitionRun(deps.db, {
    runId: childRun.id,
    to: "cancelled",
    actor: "fault",
    action: "run_cancelled",
  });
  assert.notEqual(cancelled, null);
  assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id: parentId } })).status, "waiting");
  const reconciler = createReconciler(deps, { afterSeconds: 0 });
  await reconciler.reconcile(new Date(Date.now() + 1_000));
  await reconciler.reconcile(new Date(Date.now() + 1_000));
  const parent = await finished(deps.db, parentId);
  assert.equal(parent.status, "succeeded", parent.error ?? "");
  assert.deepEqual((parent.outputPayload as any).final_state.steps.m.cancelled, 1);
  // A later pass finds nothing to do: the parent resumed once.
  await reconciler.reconcile(new Date(Date.now() + 1_000));
  assert.equal(await resumes(deps.db, parentId), 1);
});
