import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { updateConcurrencyLimits } from "@switchyard/core/flow/concurrency-limits";
import { eventually, startWorker, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestWorkflow } from "@switchyard/core/testing/run-fixtures";

describe("a resume under a concurrency limit", () => {
  let deps: TestDeps;
  let server: TestServer;
  let worker: ServiceProcess;
  const gate = createGate();

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
    server.route("/work", async (req) => {
      if (req.query.who === "b") await gate.promise;
      return { body: "done" };
    });
    worker = await startWorker({ ...deps.env, WORKER_CONCURRENCY: "4" });
  });
  after(async () => {
    gate.open();
    await worker.stop();
    await server.close();
    await deps.close();
  });

  const audit = async (runId: string, action: string) =>
    (await deps.db.runAuditEntry.findFirstOrThrow({ where: { runId, action }, orderBy: { at: "desc" } })).at;

  it("takes a slot again: it waits (blocked) while the limit is taken, and resumes once the slot frees", async () => {
    const graph = {
      nodes: [
        { id: "work", type: "http.request", params: { url: `${server.url}/work?who={{ input.who }}` } },
        { id: "pause", type: "delay", params: { seconds: 2 } },
        { id: "done", type: "set", params: { value: 1 } },
      ],
      edges: [
        { from: "work", to: "pause" },
        { from: "pause", to: "done" },
      ],
    };
    const workflow = await createTestWorkflow(deps.db, { name: "one-at-a-time" }, graph);
    await updateConcurrencyLimits(deps.db, workflow.workflowId, {
      max_running: 1,
      key: null,
      max_running_per_key: null,
    });
    const create = async (who: string) => {
      const [created] = await createRuns(deps.db, [
        { ...workflow, triggeredBy: "test", execute: true, actor: "test", inputPayload: { who } },
      ]);
      await enqueueRuns(deps.queues, [created!.run]);
      return created!.run.id;
    };
    const status = async (id: string) => deps.db.run.findUniqueOrThrow({ where: { id } });

    // A works, then parks on its delay (holding no slot); B takes the slot and holds it on the gate.
    const a = await create("a");
    await eventually(async () => ((await status(a)).status === "waiting" ? true : undefined));
    const b = await create("b");
    await eventually(async () => (server.requests.some((r) => r.query.who === "b") ? true : undefined));
    // A's delay ends while B runs: A stays waiting, refused a slot.
    const blocked = await eventually(async () => {
      const row = await status(a);
      return row.status === "waiting" && row.blockedBy === "concurrency" ? row : undefined;
    });
    assert.equal(blocked.status, "waiting");
    assert.equal((await status(b)).status, "running");

    // B leaves running (it parks on its own delay): A is woken and resumes, then both finish.
    gate.open();
    await eventually(
      async () =>
        (await status(a)).status === "succeeded" && (await status(b)).status === "succeeded" ? true : undefined,
      30_000,
    );
    const bParked = await audit(b, "run_waiting");
    const aResumed = await audit(a, "run_resumed");
    assert.ok(
      aResumed >= bParked,
      `A resumed at ${aResumed.toISOString()}, B left running at ${bParked.toISOString()}`,
    );
    assert.equal((await status(a)).blockedBy, null);
  });
});
