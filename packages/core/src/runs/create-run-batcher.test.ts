import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createRunBatcher } from "./create-run-batcher";
import type { NewRun } from "./create-runs";

describe("createRunBatcher", () => {
  let deps: TestDeps;
  let base: Omit<NewRun, "inputPayload">;
  before(async () => {
    deps = await createTestDeps();
    const workflow = await deps.db.workflow.create({ data: { name: "batched" } });
    const version = await deps.db.workflowVersion.create({
      data: { workflowId: workflow.id, version: 1, graph: { nodes: [], edges: [] } },
    });
    base = {
      workflowId: workflow.id,
      workflowVersionId: version.id,
      triggeredBy: "webhook",
      execute: true,
      actor: "webhook",
    };
  });
  after(async () => {
    await deps.close();
  });

  const auditCount = async (runId: string) => deps.db.runAuditEntry.count({ where: { runId, action: "run_created" } });

  it("commits the runs created together, each caller getting its own run and audit entry", async () => {
    const create = createRunBatcher(deps.db);
    const created = await Promise.all(Array.from({ length: 20 }, (_, n) => create({ ...base, inputPayload: { n } })));
    assert.deepEqual(
      created.map((c) => c?.run.inputPayload),
      Array.from({ length: 20 }, (_, n) => ({ n })),
    );
    for (const c of created) {
      assert.ok(c);
      assert.equal(c.run.status, "pending");
      assert.deepEqual(
        c.audit.map((a) => a.action),
        ["run_created"],
      );
      assert.equal(await auditCount(c.run.id), 1);
    }
  });

  it("lets the unique key decide between two deliveries with one idempotency key in the same batch", async () => {
    const create = createRunBatcher(deps.db);
    const idempotencyKey = `key-${randomUUID()}`;
    const [a, b] = await Promise.all([
      create({ ...base, inputPayload: { n: 1 }, idempotencyKey }),
      create({ ...base, inputPayload: { n: 2 }, idempotencyKey }),
    ]);
    assert.equal([a, b].filter((c) => c !== null).length, 1);
    assert.equal(await deps.db.run.count({ where: { workflowId: base.workflowId, idempotencyKey } }), 1);
  });

  it("fails only the run Postgres refuses when a batch fails", async () => {
    const create = createRunBatcher(deps.db);
    const results = await Promise.allSettled([
      create({ ...base, inputPayload: { n: "ok-1" } }),
      create({ ...base, workflowId: randomUUID(), inputPayload: { n: "no such workflow" } }),
      create({ ...base, inputPayload: { n: "ok-2" } }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    for (const r of [results[0], results[2]]) {
      assert.ok(r?.status === "fulfilled" && r.value !== null);
      assert.equal(await auditCount(r.value.run.id), 1);
    }
  });
});
