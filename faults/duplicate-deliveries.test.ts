import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { eventually } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createWorkflow, runFigures } from "./lib/fault-deps";
import { spawnServices, type Services } from "./lib/fault-processes";
import { reportFigures } from "./lib/report-figures";

const DELIVERIES = 20;
const SECRET = "whsec_dup";
const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: "{{ input.body.n }}" } }], edges: [] };

/**
 * A sender retrying one delivery many times at once (a queue redelivering, a proxy duplicating). api.md's
 * duplicate responses: the same idempotency key answers 200 with the run the first delivery created; the same
 * signature again is a replay, answered 401.
 */
describe("20 concurrent duplicate webhook deliveries", () => {
  let deps: TestDeps;
  let services: Services;

  before(async () => {
    deps = await createTestDeps();
    services = await spawnServices(deps.env, { workers: 1, beats: 0 });
  });
  after(async () => {
    await services.stop();
    await deps.close();
  });

  const configure = async (workflowId: string, config: object) => {
    const res = await fetch(`${services.apiUrl}/api/workflows/${workflowId}/triggers/webhook/config`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(config),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const deliverAll = (workflowId: string, body: string, headers: Record<string, string>) =>
    Promise.all(
      Array.from({ length: DELIVERIES }, async () => {
        const res = await fetch(`${services.apiUrl}/api/workflows/${workflowId}/triggers/webhook`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
        });
        return { status: res.status, body: (await res.json()) as { id?: string; detail?: unknown } };
      }),
    );
  const finished = async (workflowId: string) => {
    const runs = await deps.db.run.findMany({ where: { workflowId }, select: { id: true } });
    return eventually(async () => {
      const f = await runFigures(
        deps.db,
        runs.map((r) => r.id),
      );
      return f.terminal === runs.length ? { ...f, runs: runs.length } : undefined;
    });
  };

  it("creates one run for one idempotency key; the duplicates answer 200 with that run", async () => {
    const { workflowId } = await createWorkflow(deps.db, GRAPH);
    await configure(workflowId, { idempotency_header: "x-delivery-id" });
    const answers = await deliverAll(workflowId, '{"n":1}', { "x-delivery-id": "delivery-1" });
    const figures = await finished(workflowId);
    const accepted = answers.filter((a) => a.status === 202);
    reportFigures("duplicate-deliveries-idempotency-key", {
      deliveries: DELIVERIES,
      accepted: accepted.length,
      duplicates: answers.filter((a) => a.status === 200).length,
      runs: figures.runs,
      terminal: figures.terminal,
      executed_twice: figures.executedTwice,
    });
    assert.equal(accepted.length, 1);
    assert.deepEqual(
      answers.filter((a) => a.status !== 202).map((a) => [a.status, a.body.id]),
      Array.from({ length: DELIVERIES - 1 }, () => [200, accepted[0]!.body.id]),
    );
    assert.equal(figures.runs, 1);
    assert.equal(figures.succeeded, 1);
    assert.equal(figures.executedTwice, 0);
  });

  it("creates one run for one signed delivery; the copies are refused as replays", async () => {
    const { workflowId } = await createWorkflow(deps.db, GRAPH);
    await configure(workflowId, { hmac_header: "x-signature", hmac_secret: SECRET, hmac_tolerance_seconds: 300 });
    const t = Math.floor(Date.now() / 1000);
    const body = '{"n":2}';
    const signature = `t=${t},v1=${createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex")}`;
    const answers = await deliverAll(workflowId, body, { "x-signature": signature });
    const figures = await finished(workflowId);
    reportFigures("duplicate-deliveries-signature", {
      deliveries: DELIVERIES,
      accepted: answers.filter((a) => a.status === 202).length,
      replays: answers.filter((a) => a.status === 401).length,
      runs: figures.runs,
      terminal: figures.terminal,
      executed_twice: figures.executedTwice,
    });
    assert.deepEqual(answers.map((a) => a.status).sort(), [202, ...Array.from({ length: DELIVERIES - 1 }, () => 401)]);
    assert.equal(figures.runs, 1);
    assert.equal(figures.succeeded, 1);
    assert.equal(figures.executedTwice, 0);
  });
});
