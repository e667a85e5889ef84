import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

type CronRun = { workflow_id: string; input_payload: { scheduled_for: string } };

describe("cron dispatch under concurrency", () => {
  let api: TestApi;
  let other: ServiceProcess;
  let otherUrl: string;
  before(async () => {
    api = await startTestApi();
    // A second API process over the same database and Redis prefix.
    other = spawnService("api", { ...api.deps.env, PORT: "0", LOG_LEVEL: "info" });
    const listening = await other.waitForLog((l) => l.message === "api listening");
    otherUrl = `http://127.0.0.1:${String(listening.port)}`;
  });
  after(async () => {
    await other.stop();
    await api.close();
  });
  beforeEach(async () => {
    await api.deps.db.cronTrigger.deleteMany();
  });

  async function createScheduledWorkflows(
    prefix: string,
    count: number,
    config: Record<string, unknown>,
  ): Promise<string[]> {
    const { db } = api.deps;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const workflow = await db.workflow.create({ data: { name: `${prefix}-${i}`, handle: `${prefix}-${i}` } });
      await db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
      const res = await api.request("PUT", `/api/workflows/${workflow.id}/triggers/cron/config`, { body: config });
      assert.equal(res.status, 200);
      ids.push(workflow.id);
    }
    return ids;
  }

  async function dispatchAt(base: string, now: string): Promise<CronRun[]> {
    const res = await fetch(`${base}/api/triggers/cron/dispatch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ now }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as CronRun[];
  }

  it("creates exactly one run per due workflow from 10 parallel dispatch calls", async () => {
    const ids = await createScheduledWorkflows("par", 20, {
      expression: "0 9 * * *",
      start_at: "2026-01-01T09:00:00Z",
    });
    const answers = await Promise.all(Array.from({ length: 10 }, () => dispatchAt(api.url, "2026-01-01T09:00:30Z")));
    const fired = answers.flat();
    assert.equal(fired.length, 20);
    assert.deepEqual(new Set(fired.map((r) => r.workflow_id)), new Set(ids));
    const runs = await api.deps.db.run.findMany({ where: { workflowId: { in: ids } } });
    assert.equal(runs.length, 20);
    for (const answer of answers) {
      assert.equal(new Set(answer.map((r) => r.workflow_id)).size, answer.length, "one run per workflow per call");
    }
  });

  it("fires every missed occurrence exactly once, oldest first, with two API processes dispatching at once", async () => {
    const ids = await createScheduledWorkflows("two", 30, {
      expression: "0 * * * *",
      allow_overlapping: true,
      start_at: "2026-02-01T09:00:00Z",
    });
    const now = "2026-02-01T11:30:00Z";
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => dispatchAt(i % 2 === 0 ? api.url : otherUrl, now)),
    );
    for (const answer of answers) {
      assert.equal(new Set(answer.map((r) => r.workflow_id)).size, answer.length, "one run per workflow per call");
    }
    // Whatever interleaving happened, each workflow fired a prefix of its occurrences, oldest first, no gaps.
    const expected = ["2026-02-01T09:00:00.000Z", "2026-02-01T10:00:00.000Z", "2026-02-01T11:00:00.000Z"];
    const check = async () => {
      const runs = await api.deps.db.run.findMany({
        where: { workflowId: { in: ids } },
        orderBy: { cronOccurrence: "asc" },
      });
      const triggers = await api.deps.db.cronTrigger.findMany({ where: { workflowId: { in: ids } } });
      for (const t of triggers) {
        const mine = runs.filter((r) => r.workflowId === t.workflowId).map((r) => r.cronOccurrence?.toISOString());
        assert.deepEqual(mine, expected.slice(0, mine.length));
        assert.equal(t.lastDispatchedAt?.toISOString(), mine.at(-1));
      }
      return runs.length;
    };
    assert.equal(await check(), answers.flat().length);

    // Draining sequentially then fires exactly what is left.
    for (;;) {
      const more = await dispatchAt(otherUrl, now);
      if (more.length === 0) break;
    }
    assert.equal(await check(), 90);
  });
});
