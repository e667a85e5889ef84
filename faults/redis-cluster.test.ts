import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { startPrivateRedisCluster, type PrivateRedisCluster } from "@switchyard/core/testing/private-redis";
import { eventually } from "@switchyard/core/testing/service-process";
import { createWorkflow } from "./lib/fault-deps";
import { spawnServices } from "./lib/fault-processes";
import { startPrivatePostgres, type PrivatePostgres } from "@switchyard/core/testing/private-postgres";
import { createFaultDeps, type FaultDeps } from "./lib/fault-deps";
import { runThroughFailover } from "./lib/redis-failover";
import { reportFigures } from "./lib/report-figures";

describe("Redis Cluster (3 masters, 3 replicas)", () => {
  let cluster: PrivateRedisCluster;
  let postgres: PrivatePostgres;
  let deps: FaultDeps;
  before(async () => {
    cluster = await startPrivateRedisCluster();
    postgres = await startPrivatePostgres();
    deps = createFaultDeps({ databaseUrl: postgres.url, redisUrl: cluster.env.REDIS_URL ?? "" }, cluster.env);
  });
  after(async () => {
    await deps?.close();
    await cluster?.stop();
    await postgres?.destroy();
  });

  it("keeps every key under the hash-tagged prefix; rate limits and cancels work across its nodes", async () => {
    assert.match(deps.config.QUEUE_PREFIX, /^\{syf-[0-9a-f]+\}$/);
    const server = await startTestServer();
    const services = await spawnServices(deps.env, { workers: 1, beats: 1 });
    try {
      await services.workers[0]?.waitForLog((l) => l.message === "worker started", 60_000);
      const api = async (method: string, path: string, body: unknown) => {
        const res = await fetch(`${services.apiUrl}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const gate = createGate();
      server.route("/hold", async () => {
        await gate.promise;
        return { body: "late" };
      });
      const { workflowId } = await createWorkflow(deps.db, {
        nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/hold` } }],
        edges: [],
      });
      const config = { rate_limit: { limit: 2, interval_seconds: 60 } };
      assert.equal((await api("PUT", `/api/workflows/${workflowId}/triggers/webhook/config`, config)).status, 200);
      const answers = [];
      for (let n = 0; n < 3; n++) answers.push(await api("POST", `/api/workflows/${workflowId}/triggers/webhook`, {}));
      assert.deepEqual(
        answers.map((a) => a.status),
        [202, 202, 429],
      );
      await eventually(async () => (server.inFlight() === 2 ? true : undefined), 30_000, "both runs in their call");
      const id = String(answers[0]?.body.id);
      assert.ok([200, 202].includes((await api("POST", `/api/runs/${id}/cancel`, {})).status));
      // The cancel reached the worker through the cluster's pub/sub: it aborted the run's call.
      await services.workers[0]?.waitForLog((l) => l.message === "run cancel received, aborting" && l.runId === id);
      gate.open();
      await eventually(async () => {
        const runs = await deps.db.run.findMany({ where: { workflowId }, select: { id: true, status: true } });
        return runs.every((r) => r.status === "succeeded" || r.status === "cancelled") ? runs : undefined;
      }, 30_000);
      assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id } })).status, "cancelled");
      // Each queue's keys share one slot: the prefix's.
      const slots = new Set<number>();
      const queueKeys = await eventually(async () => {
        const found: string[] = [];
        for (const node of cluster.nodes) {
          const direct = new Redis(node.url);
          found.push(...(await direct.keys(`${deps.config.QUEUE_PREFIX}:runs:*`)));
          direct.disconnect();
        }
        return found.length > 0 ? found : undefined;
      });
      for (const key of queueKeys) slots.add(Number(await deps.redis.cluster("KEYSLOT", key)));
      assert.equal(slots.size, 1);
      assert.ok(services.allAlive());
    } finally {
      await services.stop();
      await server.close();
    }
  });

  it("fails over the master holding the queues' slot during 500 in-flight runs; every run completes exactly once", async () => {
    const figures = await runThroughFailover(deps, () => cluster.failOver(deps.config.QUEUE_PREFIX), {
      before: 400,
      during: 50,
      after: 50,
    });
    reportFigures("redis-cluster-failover", figures);
    assert.equal(figures.succeeded, figures.accepted);
    assert.equal(figures.executed_twice, 0);
    assert.equal(figures.called_twice, 0);
    assert.ok(figures.accepted >= 450);
  });
});
