import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runChangesChannel } from "@switchyard/core/run-events/run-change";
import { createPendingRuns, startTransition } from "@switchyard/core/testing/run-fixtures";
import { transitionRun } from "@switchyard/core/runs/transition-run";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";
import { openSse, type SseConnection } from "./testing/open-sse";

/**
 * What reaches `GET /api/events`, which has no re-read of its own: only published changes. So an event arriving
 * at all proves the change was published, and arriving within these tests' timeouts (under the 5 s re-read of the
 * run streams) that a run's stream learns of it at once too.
 */
describe("published run changes: creations and the beat's changes", () => {
  let api: TestApi;
  let beat: ServiceProcess;

  before(async () => {
    api = await startTestApi();
    beat = spawnService("beat", {
      ...api.deps.env,
      LOG_LEVEL: "info",
      // Nothing listens there: cron ticks fail and are retried, which these tests do not look at.
      API_URL: "http://127.0.0.1:9",
      RUN_LEASE_SECONDS: "2",
      RUN_LEASE_HEARTBEAT_SECONDS: "1",
    });
    await beat.waitForLog((l) => l.message === "beat started");
  });
  after(async () => {
    await beat?.stop();
    await api.close();
  });

  const workflow = async (handle: string) => {
    const wf = await api.request("POST", "/api/workflows", { body: { name: handle, handle } });
    assert.equal(wf.status, 201, JSON.stringify(wf.body));
    const graph = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
    const version = await api.request("POST", `/api/workflows/${wf.body.id}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    return { workflowId: wf.body.id as string, workflowVersionId: version.body.id as string };
  };
  /** GET /api/events of one workflow, once the API's subscriber listens (a change before that is not heard). */
  const tail = async (workflowId: string) => {
    const stream = await openSse(`${api.url}/api/events?workflow=${workflowId}`);
    assert.equal(stream.status, 200);
    const channel = runChangesChannel(api.deps.config.QUEUE_PREFIX);
    await eventually(async () => {
      const [, count] = (await api.deps.redis.pubsub("NUMSUB", channel)) as [string, number];
      return count > 0 ? true : undefined;
    }, 3_000);
    return stream;
  };
  const nextOf = async (stream: SseConnection, runId: string) => {
    for (;;) {
      const data = JSON.parse((await stream.next()).data) as { run_id: string; status: string };
      if (data.run_id === runId) return data.status;
    }
  };

  it("sends a new run's pending, from a manual dispatch and from a webhook delivery", { timeout: 4_000 }, async () => {
    const { workflowId } = await workflow("created");
    const stream = await tail(workflowId);
    const manual = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: workflowId, runs: [{ input_payload: {} }] },
    });
    assert.equal(manual.status, 200, JSON.stringify(manual.body));
    assert.equal(await nextOf(stream, manual.body[0].id as string), "pending");

    const hook = await api.request("POST", `/api/workflows/${workflowId}/triggers/webhook`, { body: { n: 1 } });
    assert.equal(hook.status, 202, JSON.stringify(hook.body));
    assert.equal(await nextOf(stream, hook.body.id as string), "pending");
    stream.close();
  });

  it("sends the beat's takeover of a run whose lease expired", { timeout: 4_000 }, async () => {
    const ids = await workflow("taken-over");
    const stream = await tail(ids.workflowId);
    // Written straight to Postgres, as the worker's start below: neither is published.
    const [runId] = await createPendingRuns(api.deps.db, ids, 1);
    // Started by a worker that is gone: its lease ran out.
    assert.ok(await transitionRun(api.deps.db, startTransition(runId!)));
    await api.deps.db.$executeRawUnsafe(
      `UPDATE runs SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1::uuid`,
      runId,
    );
    // The first event of the run is the beat's.
    assert.equal(await nextOf(stream, runId!), "pending");
    const audit = await api.deps.db.runAuditEntry.findMany({ where: { runId: runId! }, orderBy: { id: "asc" } });
    assert.deepEqual(
      audit.map((a) => [a.action, a.actor]),
      [
        ["run_created", "test"],
        ["run_started", "worker"],
        ["run_lease_expired", "beat"],
      ],
    );
    stream.close();
  });
});
