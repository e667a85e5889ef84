import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { RunStatus } from "@switchyard/core/runs/run-status";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { openDashboardBrowser, type DashboardBrowser } from "./testing/dashboard-browser";
import { startTestApi, type TestApi } from "./testing/start-api";

const ADMIN = { username: "ops", password: "s3cret" };
const TIMEOUT = 30_000;

const ORDERS_V1 = {
  nodes: [
    { id: "order", type: "set", params: { value: "{{ input.body.order }}" } },
    { id: "total", type: "transform", params: { expression: "order.amount * 2" } },
    { id: "big", type: "log", params: { message: "big order {{ steps.order.id }}" } },
    { id: "receipt", type: "set", params: { value: { id: "{{ steps.order.id }}", total: "{{ steps.total }}" } } },
  ],
  edges: [
    { from: "order", to: "total" },
    { from: "total", to: "big", when: "steps.total > 100" },
    { from: "total", to: "receipt" },
  ],
};
const ORDERS_V2 = {
  ...ORDERS_V1,
  nodes: ORDERS_V1.nodes.map((n) =>
    n.id === "total" ? { ...n, params: { expression: "steps.order.amount * 2" } } : n,
  ),
};
const WAITER = {
  nodes: [
    { id: "hello", type: "set", params: { value: "waiting for approval" } },
    { id: "approval", type: "wait_for_signal", params: { name: "approve" } },
  ],
  edges: [{ from: "hello", to: "approval" }],
};

/** End to end in Debian's Chromium: the API in-process, a real worker process, the page driven like an operator. */
describe("the runs dashboard in a browser", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let browser: DashboardBrowser;
  let page: Page;
  let shots: string;
  const pageErrors: string[] = [];
  const requested: string[] = [];

  before(async () => {
    api = await startTestApi({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    worker = await startWorker(api.deps.env, TIMEOUT);
    shots = await mkdtemp(join(tmpdir(), "switchyard-dashboard-"));
    // A CSP violation, a script error or a failed request shows in pageErrors.
    browser = await openDashboardBrowser({
      credentials: ADMIN,
      timeoutMs: TIMEOUT,
      errors: pageErrors,
      consoleErrors: true,
    });
    page = browser.page;
    page.on("request", (r) => requested.push(r.url()));
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
    await api?.close();
    console.log(`dashboard screenshots: ${shots}`);
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api.request(method, path, { body });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  const statusOf = async (runId: string) =>
    (await api.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).status as RunStatus;
  const waitForStatus = (runId: string, want: RunStatus) =>
    eventually(async () => ((await statusOf(runId)) === want ? true : undefined), TIMEOUT, `run ${runId} ${want}`);
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  it("shows a webhook run succeed, with its steps and outputs", async () => {
    await call("POST", "/api/workflows", {
      name: "Orders",
      handle: "orders",
      description: "Order intake from the shop",
    });
    await call("POST", "/api/workflows/orders/versions", { graph: ORDERS_V1, notes: "first cut" });
    await call("POST", "/api/workflows/orders/versions", { graph: ORDERS_V2, notes: "read the amount from the step" });
    const delivery = await api.request("POST", "/api/workflows/orders/triggers/webhook", {
      body: { order: { id: "ord-42", amount: 30 } },
    });
    assert.equal(delivery.status, 202, delivery.text);
    const runId = delivery.body.id as string;

    await page.goto(`${api.url}/admin#/runs/${runId}`);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor();
    const total = page.locator('tr[data-step="total"]');
    await total.waitFor();
    assert.match(await total.innerText(), /60/);
    assert.match(await page.locator('tr[data-step="receipt"]').innerText(), /ord-42/);
    assert.match(await page.locator('tr[data-step="big"]').innerText(), /skipped/);
    await page.locator('svg.graph g.node-succeeded[data-node="receipt"]').waitFor();
    await shot("run-detail");

    // Re-run with edited input: a new run of the same version, created by the signed-in admin.
    await page.click("text=Re-run with edited input");
    await page.fill(
      'textarea[name="input_payload"]',
      JSON.stringify({ body: { order: { id: "ord-43", amount: 60 } } }),
    );
    await page.click("text=Start a new run");
    // The page moves to the new run: read its id from the URL (this function runs in the page).
    const moved = await page.waitForFunction((old) => {
      const { hash } = (globalThis as unknown as { location: { hash: string } }).location;
      const m = /^#\/runs\/([0-9a-f-]{36})$/.exec(hash);
      return m !== null && m[1] !== old ? m[1] : null;
    }, runId);
    const newId = (await moved.jsonValue()) as string;
    assert.notEqual(newId, runId);
    await page.locator("h1", { hasText: newId }).locator(".badge", { hasText: "succeeded" }).waitFor();
    assert.match(await page.locator('tr[data-step="total"]').innerText(), /120/);
    assert.match(await page.locator('tr[data-step="big"]').innerText(), /succeeded/);
    const created = await api.deps.db.runAuditEntry.findFirstOrThrow({
      where: { runId: newId, action: "run_created" },
    });
    assert.equal(created.actor, `admin:${ADMIN.username}`);

    await page.goto(`${api.url}/admin#/runs`);
    await page.fill('input[name="q"]', "ord-42");
    await page.click('form.filters button[type="submit"]');
    await page.locator(`tr[data-run="${runId}"]`).waitFor();
    assert.equal(await page.locator("tr[data-run]").count(), 1);
  });

  it("cancels a waiting run from the page", async () => {
    await call("POST", "/api/workflows", { name: "Approvals", handle: "approvals" });
    await call("POST", "/api/workflows/approvals/versions", { graph: WAITER });
    const [run] = await call("POST", "/api/triggers/manual/dispatch", {
      workflow_id: "approvals",
      runs: [{ input_payload: { ticket: 7 } }],
    });
    const runId = run.id as string;
    await waitForStatus(runId, "waiting");

    await page.goto(`${api.url}/admin#/runs/${runId}`);
    await page.locator("h1", { hasText: runId }).locator(".badge", { hasText: "waiting" }).waitFor();
    page.once("dialog", (d) => void d.accept());
    await page.click("text=Cancel run");
    await page.locator("h1 .badge", { hasText: "cancelled" }).waitFor();
    assert.equal(await statusOf(runId), "cancelled");
    const audit = await api.deps.db.runAuditEntry.findFirstOrThrow({ where: { runId, action: "run_cancelled" } });
    assert.equal(audit.actor, `admin:${ADMIN.username}`);
  });

  it("shows a parent's child runs by status with links, and a child's parent", async () => {
    await call("POST", "/api/workflows", { name: "Square", handle: "square" });
    await call("POST", "/api/workflows/square/versions", {
      graph: { nodes: [{ id: "sq", type: "transform", params: { expression: "input.item * input.item" } }] },
    });
    await call("POST", "/api/workflows", { name: "Fan out", handle: "fan-out" });
    await call("POST", "/api/workflows/fan-out/versions", {
      graph: { nodes: [{ id: "m", type: "map", params: { items: "[1, 2, 3]", workflow: "square" } }] },
    });
    const [run] = await call("POST", "/api/triggers/manual/dispatch", { workflow_id: "fan-out", runs: [{}] });
    const runId = run.id as string;
    await waitForStatus(runId, "succeeded");
    await page.goto(`${api.url}/admin#/runs/${runId}`);
    await page.locator("section.children", { hasText: "3 in all" }).waitFor();
    assert.equal(await page.locator("tr[data-child]").count(), 3);
    await page.locator("tr[data-child] a").first().click();
    await page.locator("dt", { hasText: "Parent run" }).waitFor();
    await page.locator(`dd a[href="#/runs/${runId}"]`).waitFor();
    await shot("child-run");
  });

  it("updates a waiting parent's page as its children change, from the parent's event stream", async () => {
    await call("POST", "/api/workflows", { name: "Gated", handle: "gated" });
    await call("POST", "/api/workflows/gated/versions", {
      graph: { nodes: [{ id: "gate", type: "wait_for_signal", params: { name: "go" } }] },
    });
    await call("POST", "/api/workflows", { name: "Gated fan out", handle: "gated-fan-out" });
    await call("POST", "/api/workflows/gated-fan-out/versions", {
      graph: { nodes: [{ id: "m", type: "map", params: { items: "[1, 2]", workflow: "gated" } }] },
    });
    const [run] = await call("POST", "/api/triggers/manual/dispatch", { workflow_id: "gated-fan-out", runs: [{}] });
    const runId = run.id as string;
    await waitForStatus(runId, "waiting");
    const children = await eventually(
      async () => {
        const list = await api.deps.db.run.findMany({ where: { parentRunId: runId }, orderBy: { childIndex: "asc" } });
        return list.length === 2 && list.every((c) => c.status === "waiting") ? list.map((c) => c.id) : undefined;
      },
      TIMEOUT,
      "both children waiting",
    );
    await page.goto(`${api.url}/admin#/runs/${runId}`);
    await page.locator(`tr[data-child="${children[0]}"]`, { hasText: "waiting" }).waitFor();
    // The parent goes on waiting for its second child: only the first child's `child` events change the page.
    await call("POST", `/api/runs/${children[0]}/signals/go`, {});
    await page.locator(`tr[data-child="${children[0]}"]`, { hasText: "succeeded" }).waitFor();
    assert.equal(await statusOf(runId), "waiting");
    await call("POST", `/api/runs/${children[1]}/signals/go`, {});
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor();
  });

  it("updates a live run's page from its event stream as the run goes on elsewhere", async () => {
    const [run] = await call("POST", "/api/triggers/manual/dispatch", {
      workflow_id: "approvals",
      runs: [{ input_payload: { ticket: 8 } }],
    });
    const runId = run.id as string;
    await waitForStatus(runId, "waiting");
    await page.goto(`${api.url}/admin#/runs/${runId}`);
    await page.locator("h1", { hasText: runId }).locator(".badge", { hasText: "waiting" }).waitFor();
    // Signalled through the API, not the page: the page learns of it from the stream.
    await call("POST", `/api/runs/${runId}/signals/approve`, { ok: true });
    await page.locator("h1", { hasText: runId }).locator(".badge", { hasText: "succeeded" }).waitFor();
    await page.locator('tr[data-step="approval"]').waitFor();
  });

  it("shows a workflow's graph, a diff between versions and its cron fire times", async () => {
    await call("PUT", "/api/workflows/orders/triggers/cron/config", {
      expression: "*/15 8-18 * * MON-FRI",
      timezone: "Europe/Berlin",
      catchup: "latest",
      start_at: "2026-01-05T00:00:00Z",
    });
    // One dispatch far behind schedule: the latest occurrence fires, the ones before it are caught up.
    const [cronRun] = await call("POST", "/api/triggers/cron/dispatch", { now: "2026-01-05T09:20:00Z" });
    // A cron run's input has no order: the graph fails, and the page shows the error of each attempt.
    await waitForStatus(cronRun.id, "failed");
    await page.goto(`${api.url}/admin#/runs/${cronRun.id}`);
    await page.locator("ul.attempts .error-text").first().waitFor();
    await shot("run-failed");

    await call("PUT", "/api/workflows/orders/concurrency", { key: "input.body.customer", max_running_per_key: 1 });
    await call("PUT", "/api/workflows/orders/rate-limit", { limit: 10, interval_seconds: 60 });
    await call("PUT", "/api/workflows/orders/routing", { queue: "orders-lane", priority: 2 });
    await page.goto(`${api.url}/admin#/workflows/orders`);
    // The previous page (a run) has a graph too: wait for this page's own parts.
    await page.locator("ol.fire-times li").nth(9).waitFor();
    assert.equal(await page.locator("ol.fire-times li").count(), 10);
    await page.locator("svg.graph").first().waitFor();
    await page.locator("table.occurrences .outcome-fired").waitFor();
    await page.locator("table.occurrences .outcome-caught_up").waitFor();
    await page.click("text=Show diff");
    await page.locator("pre.diff .add").first().waitFor();
    await shot("workflow");
    const limits = await page.locator("dl.flow-limits").innerText();
    assert.match(limits, /1 per input\.body\.customer/);
    assert.match(limits, /10 per 60 s/);
    assert.equal(await page.locator("dd.routing-queue").innerText(), "orders-lane");
    assert.match(await page.locator("dd.routing-priority").innerText(), /^2/);
    await call("PUT", "/api/workflows/orders/routing", {});

    // A run waiting for a slot says so on its page.
    const held = await api.deps.db.run.create({
      data: {
        workflowId: cronRun.workflow_id,
        workflowVersionId: cronRun.workflow_version_id,
        triggeredBy: "manual",
        execute: false,
        blockedBy: "concurrency",
      },
    });
    await page.goto(`${api.url}/admin#/runs/${held.id}`);
    assert.match(await page.locator("dd.blocked-by").innerText(), /concurrency slot/);
  });

  it("lists every workflow's runs, and shows workers and queues", async () => {
    await page.goto(`${api.url}/admin#/runs`);
    await page.locator("tr[data-run] .badge-cancelled").waitFor();
    await page.locator("tr[data-run] .badge-failed").waitFor();
    await shot("runs-list");
    await page.goto(`${api.url}/admin#/system`);
    await page.locator("table.queues").waitFor();
    // The default routing queue, consumed by this test's worker.
    await page.locator("table.routing-queues tr", { hasText: "default" }).waitFor();
    await page.locator("svg.throughput").waitFor();
    // The worker process of this test, from its heartbeat.
    await page.locator("table.workers", { hasText: String(worker.proc.pid) }).waitFor();
    await shot("workers-queues");
    assert.equal(await page.locator("a", { hasText: "Bull Board" }).first().getAttribute("href"), "/admin/queues");
  });

  it("opens Bull Board with every request to the API itself (no web fonts from another host)", async () => {
    requested.length = 0;
    await page.goto(`${api.url}/admin/queues`);
    await page.locator('a[href="/admin/queues/queue/runs"]').first().waitFor();
    await shot("bull-board");
    assert.ok(requested.length > 0);
    assert.deepEqual(
      requested.filter((url) => !url.startsWith(`${api.url}/`) && !/^(data|blob):/.test(url)),
      [],
    );
  });

  it("ran without script errors or policy violations", () => {
    assert.deepEqual(pageErrors, []);
  });
});
