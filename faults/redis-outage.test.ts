import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startPrivateRedis, type PrivateRedis } from "@switchyard/core/testing/private-redis";
import { eventually } from "@switchyard/core/testing/service-process";
import { createTestDatabase } from "@switchyard/core/testing/test-database";
import { createFaultDeps, createWorkflow, runFigures, type FaultDeps } from "./lib/fault-deps";
import { spawnServices, type Services } from "./lib/fault-processes";
import { reportFigures } from "./lib/report-figures";

const OUTAGE_MS = 10_000;
const GRAPH = {
  nodes: [
    { id: "a", type: "set", params: { value: "{{ input.body.n }}" } },
    { id: "b", type: "log", params: { message: "got {{ steps.a }}" } },
  ],
  edges: [{ from: "a", to: "b" }],
};

describe("Redis outage", () => {
  let redis: PrivateRedis;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let deps: FaultDeps;
  let services: Services;
  let workflowId: string;

  before(async () => {
    redis = await startPrivateRedis();
    await redis.kill();
    database = await createTestDatabase();
    deps = createFaultDeps({ databaseUrl: database.url, redisUrl: redis.url });
    ({ workflowId } = await createWorkflow(deps.db, GRAPH));
  });
  after(async () => {
    await services?.stop();
    await deps.close();
    await redis.stop();
    await database.drop();
  });

  const webhook = async (n: number) => {
    const res = await fetch(`${services.apiUrl}/api/workflows/${workflowId}/triggers/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ n }),
    });
    const body = (await res.json()) as { id?: string };
    return { status: res.status, id: body.id };
  };

  it("starts api, worker and beat while Redis is down; triggers still create runs, which finish once it is back", async () => {
    services = await spawnServices(deps.env);
    // Each process is up and says why it is not working yet, instead of crashing.
    for (const p of [...services.workers, ...services.beats]) {
      await p.waitForLog((l) => l.message === "redis connection error", 60_000);
    }
    assert.equal((await fetch(`${services.apiUrl}/readyz`)).status, 503);
    // A rate limit Redis cannot check is not applied (fails open), rather than refusing every delivery.
    const configured = await fetch(`${services.apiUrl}/api/workflows/${workflowId}/triggers/webhook/config`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rate_limit: { limit: 1_000_000, interval_seconds: 1 } }),
    });
    assert.equal(configured.status, 200);

    const hook = await webhook(1);
    assert.equal(hook.status, 202);
    const manual = await fetch(`${services.apiUrl}/api/triggers/manual/dispatch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflow_id: workflowId, runs: [{ input_payload: { body: { n: 2 } } }] }),
    });
    assert.equal(manual.status, 200);
    const manualRuns = (await manual.json()) as { id: string }[];
    const runIds = [hook.id!, ...manualRuns.map((r) => r.id)];

    await redis.restart();
    const back = Date.now();
    await services.workers[0]!.waitForLog((l) => l.message === "worker started", 60_000);
    const figures = await eventually(
      async () => {
        const f = await runFigures(deps.db, runIds);
        return f.terminal === runIds.length ? f : undefined;
      },
      60_000,
      "runs created while Redis was down to finish",
    );
    reportFigures("redis-down-at-start", {
      accepted: runIds.length,
      terminal: figures.terminal,
      succeeded: figures.succeeded,
      executed_twice: figures.executedTwice,
      recovery_ms: Date.now() - back,
    });
    assert.equal(figures.succeeded, runIds.length);
    assert.equal(figures.executedTwice, 0);
    assert.equal((await fetch(`${services.apiUrl}/readyz`)).status, 200);
    assert.ok(services.allAlive());
  });

  it("completes every webhook accepted during a 10 s Redis outage exactly once", async () => {
    const accepted: string[] = [];
    const statuses = new Map<number, number>();
    let phase: "before" | "during" | "after" | "done" = "before";
    let sent = 0;
    const perPhase = { before: 0, during: 0, after: 0 };
    const load = async () => {
      while (phase !== "done") {
        const current = phase;
        const res = await webhook(sent++);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202 && res.id !== undefined) {
          accepted.push(res.id);
          perPhase[current]++;
        }
      }
    };
    const senders = Array.from({ length: 4 }, () => load());
    await eventually(async () => (perPhase.before >= 20 ? true : undefined), 60_000, "load before the outage");
    await redis.kill();
    phase = "during";
    const down = Date.now();
    // The outage itself lasts a fixed time: that is the fault being injected, not a wait for a result.
    await sleep(OUTAGE_MS);
    await redis.restart();
    phase = "after";
    const back = Date.now();
    await eventually(async () => (perPhase.after >= 20 ? true : undefined), 60_000, "load after the outage");
    phase = "done";
    await Promise.all(senders);

    const figures = await eventually(
      async () => {
        const f = await runFigures(deps.db, accepted);
        return f.terminal === accepted.length ? f : undefined;
      },
      90_000,
      "every accepted webhook's run to finish",
    );
    reportFigures("redis-outage", {
      sent,
      accepted: accepted.length,
      accepted_during_outage: perPhase.during,
      terminal: figures.terminal,
      succeeded: figures.succeeded,
      executed_twice: figures.executedTwice,
      outage_ms: back - down,
      recovery_ms: Date.now() - back,
    });
    assert.deepEqual([...statuses.keys()], [202], JSON.stringify(Object.fromEntries(statuses)));
    assert.ok(perPhase.during > 0);
    assert.equal(figures.succeeded, accepted.length);
    assert.equal(figures.executedTwice, 0);
    // Runs in Postgres are exactly the accepted ones (plus the first case's two).
    assert.equal(await deps.db.run.count(), accepted.length + 2);
    assert.ok(services.allAlive());
  });
});
