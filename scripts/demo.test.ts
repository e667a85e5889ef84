import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { REPO_ROOT } from "@switchyard/core/testing/test-database";
import { startTestApi, type TestApi } from "../apps/api/src/testing/start-api";
import { DEMO_HANDLE } from "./demo-workflow";

const run = promisify(execFile);
type Step = { node_id: string; status: string; log: { message: string } | null };

/** scripts/demo.ts as scripts/demo.sh runs it, against an API and a real worker of this test's own. */
describe("make demo's walk through the API", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let env: Record<string, string>;
  before(async () => {
    const admin = { ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "a-generated-password" };
    api = await startTestApi(admin);
    worker = spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info" });
    await worker.waitForLog((l) => l.message === "worker started", 60_000);
    env = { ...process.env, ...api.deps.env, ...admin, API_URL: api.url };
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const steps = async (runId: string): Promise<Step[]> => (await api.request("GET", `/api/runs/${runId}/steps`)).body;
  const logged = async (runId: string) => (await steps(runId)).flatMap((s) => (s.log === null ? [] : [s.log.message]));
  const succeeded = (runId: string) =>
    eventually(
      async () => ((await api.request("GET", `/api/runs/${runId}`)).body.status === "succeeded" ? true : undefined),
      30_000,
      `run ${runId} to succeed`,
    );

  it("fires the webhook, shows the order's line, and says where the dashboards are and how to sign in", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/demo.ts")], {
      cwd: REPO_ROOT,
      env,
    });
    const lines = stdout.trim().split("\n");
    assert.match(
      lines.find((l) => l.startsWith("demo: created workflow")) ?? "",
      /^demo: created workflow demo-orders/,
    );
    const runId = /run ([0-9a-f-]{36})/.exec(lines.find((l) => l.includes("-> 202")) ?? "")?.[1];
    assert.ok(runId, stdout);
    assert.ok(lines.includes(`demo: run ${runId} logged: Order for Ada: 2 items, 21 in all`), stdout);
    assert.ok(
      lines.includes(`demo: run ${runId}: running -> succeeded`) ||
        lines.includes(`demo: run ${runId}: pending -> succeeded`),
      stdout,
    );
    assert.deepEqual(lines.slice(-3), [
      `demo: runs dashboard: ${api.url}/admin`,
      `demo: Bull Board:     ${api.url}/admin/queues`,
      "demo: sign in to both as admin, with the password in ADMIN_PASSWORD (grep ^ADMIN_PASSWORD= .env)",
    ]);
    assert.doesNotMatch(stdout, /a-generated-password/);
    // The branch a webhook takes: the schedule's line is skipped.
    const byNode = Object.fromEntries((await steps(runId)).map((s) => [s.node_id, s.status]));
    assert.deepEqual(byNode, {
      route: "succeeded",
      order: "succeeded",
      total: "succeeded",
      announce: "succeeded",
      tick: "skipped",
    });
  });

  it("logs a line about the schedule for a cron run, not an empty order", async () => {
    // The demo's trigger fires every 5 minutes: dispatch the first occurrence after it was saved.
    const next = new Date(Math.ceil((Date.now() + 1) / 300_000) * 300_000);
    const res = await api.request("POST", "/api/triggers/cron/dispatch", { body: { now: next.toISOString() } });
    assert.equal(res.status, 200, res.text);
    const cronRun = (res.body as { id: string; workflow_id: string }[])[0];
    assert.ok(cronRun);
    const workflow = (await api.request("GET", `/api/workflows/${DEMO_HANDLE}`)).body;
    assert.equal(cronRun.workflow_id, workflow.id);
    await succeeded(cronRun.id);
    const scheduledFor = next.toISOString().replace(".000Z", "+00:00");
    assert.deepEqual(await logged(cronRun.id), [
      `Scheduled run for ${scheduledFor} (UTC): no order to total, orders come in by webhook`,
    ]);
    const byNode = Object.fromEntries((await steps(cronRun.id)).map((s) => [s.node_id, s.status]));
    assert.deepEqual([byNode.tick, byNode.announce, byNode.order], ["succeeded", "skipped", "skipped"]);
  });

  it("totals an order without items as 0, and reuses the workflow on a second run", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/demo.ts")], {
      cwd: REPO_ROOT,
      env,
    });
    assert.match(stdout, /^demo: reusing workflow demo-orders/m);
    const delivery = await api.request("POST", `/api/workflows/${DEMO_HANDLE}/triggers/webhook`, {
      body: { customer: "Grace", items: [] },
    });
    assert.equal(delivery.status, 202);
    await succeeded(delivery.body.id);
    assert.deepEqual(await logged(delivery.body.id), ["Order for Grace: 0 items, 0 in all"]);
  });
});
