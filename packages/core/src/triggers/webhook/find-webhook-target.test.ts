import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createTestDeps, type TestDeps } from "../../testing/test-deps";
import { NotFoundError } from "../../errors";
import { createWebhookTargetLoader, findWebhookTarget } from "./find-webhook-target";

describe("webhook targets", () => {
  let deps: TestDeps;
  let plain: { id: string; versionId: string };
  let handled: { id: string; versionId: string; handle: string };
  let archivedId: string;
  let versionlessId: string;

  const workflowWithVersions = async (data: { name: string; handle?: string; isArchived?: boolean }, versions = 1) => {
    const workflow = await deps.db.workflow.create({ data });
    let versionId = "";
    for (let version = 1; version <= versions; version++) {
      const v = await deps.db.workflowVersion.create({
        data: { workflowId: workflow.id, version, graph: { nodes: [], edges: [] } },
      });
      versionId = v.id;
    }
    return { id: workflow.id, versionId };
  };

  before(async () => {
    deps = await createTestDeps();
    plain = await workflowWithVersions({ name: "plain" }, 2);
    const handle = `hooked-${randomUUID().slice(0, 8)}`;
    handled = { ...(await workflowWithVersions({ name: "hooked", handle })), handle };
    await deps.db.webhookConfig.create({
      data: { workflowId: handled.id, config: { allowed_methods: ["PUT"], max_body_bytes: 10 } },
    });
    archivedId = (await workflowWithVersions({ name: "archived", isArchived: true })).id;
    versionlessId = (await workflowWithVersions({ name: "versionless" }, 0)).id;
  });
  after(async () => {
    await deps.close();
  });

  const notFound = (detail: string) => (err: unknown) => err instanceof NotFoundError && err.message === detail;

  it("resolves each of the refs looked up together to its own workflow, latest version and config", async () => {
    const load = createWebhookTargetLoader(deps.db);
    const [byId, byUpperId, byHandle, again] = await Promise.all([
      load(plain.id),
      load(plain.id.toUpperCase()),
      load(handled.handle),
      load(handled.id),
    ]);
    assert.deepEqual(byId, { workflowId: plain.id, versionId: plain.versionId, config: byId.config });
    assert.deepEqual(byId.config.allowed_methods, ["GET", "POST"]);
    assert.deepEqual(byUpperId, byId);
    assert.equal(byHandle.workflowId, handled.id);
    assert.equal(byHandle.versionId, handled.versionId);
    assert.deepEqual(byHandle.config.allowed_methods, ["PUT"]);
    assert.equal(byHandle.config.max_body_bytes, 10);
    assert.deepEqual(again, byHandle);
    // Each delivery gets a config of its own.
    assert.notEqual(again.config, byHandle.config);
  });

  it("rejects only the refs that name no runnable workflow in a batch", async () => {
    const load = createWebhookTargetLoader(deps.db);
    const results = await Promise.allSettled([
      load(randomUUID()),
      load("no-such-handle"),
      load(archivedId),
      load(versionlessId),
      load("x".repeat(201)),
      load("nul\u0000"),
      load(plain.id),
    ]);
    const reasons = results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok"));
    assert.deepEqual(reasons, [
      "Workflow not found",
      "Workflow not found",
      "Workflow not found",
      "Workflow version not found",
      "Workflow not found",
      "Workflow not found",
      "ok",
    ]);
  });

  it("sees a version committed before the lookup was asked for", async () => {
    const load = createWebhookTargetLoader(deps.db);
    const w = await workflowWithVersions({ name: "growing" });
    assert.equal((await load(w.id)).versionId, w.versionId);
    const next = await deps.db.workflowVersion.create({
      data: { workflowId: w.id, version: 2, graph: { nodes: [], edges: [] } },
    });
    assert.equal((await load(w.id)).versionId, next.id);
    await deps.db.workflow.update({ where: { id: w.id }, data: { isArchived: true } });
    await assert.rejects(load(w.id), notFound("Workflow not found"));
  });

  it("finds one target without a loader", async () => {
    assert.equal((await findWebhookTarget(deps.db, handled.handle)).workflowId, handled.id);
    await assert.rejects(findWebhookTarget(deps.db, versionlessId), notFound("Workflow version not found"));
  });
});
