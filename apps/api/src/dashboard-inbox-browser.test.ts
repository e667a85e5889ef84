import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { openDashboardBrowser, type DashboardBrowser } from "./testing/dashboard-browser";
import { startTestApi, type TestApi } from "./testing/start-api";

const ADMIN = { username: "ops", password: "s3cret" };
const TIMEOUT = 30_000;
const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: "{{ input.body.order }}" } }], edges: [] };

/** The Inbox page in Debian's Chromium: a rejected delivery's raw request, then Replay into a run that succeeds. */
describe("the dashboard's Inbox page in a browser", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let browser: DashboardBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    api = await startTestApi({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    worker = await startWorker(api.deps.env, 60_000);
    browser = await openDashboardBrowser({
      credentials: ADMIN,
      timeoutMs: TIMEOUT,
      errors: pageErrors,
      // A workflow without a cron trigger reads its cron config as a 404 (shown as "No cron trigger").
      ignore: (url) => url.includes("/triggers/cron/"),
    });
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
    await api?.close();
  });

  it("shows a rejected delivery's raw request and replays it into a run that succeeds", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "Shop", handle: "shop" } });
    await api.request("POST", "/api/workflows/shop/versions", { body: { graph: GRAPH } });
    await api.request("PUT", "/api/workflows/shop/triggers/webhook/config", {
      body: { secret_header: "x-shop-secret", shared_secret: "rotated" },
    });
    const body = JSON.stringify({ order: "ord-7" });
    const delivery = await api.request("POST", "/api/workflows/shop/triggers/webhook", {
      raw: body,
      headers: { "content-type": "application/json", "x-shop-secret": "before-rotation", "x-shop-event": "paid" },
    });
    assert.equal(delivery.status, 401);
    await eventually(async () =>
      (await api.request("GET", "/api/workflows/shop/inbox")).body.length > 0 ? 1 : undefined,
    );

    await page.goto(`${api.url}/admin#/workflows/shop`);
    await page.click("text=Inbox: every delivery");
    const row = page.locator("table.inbox tbody tr", { hasText: "rejected 401" });
    await row.waitFor();
    assert.match(await row.innerText(), /secret_mismatch/);
    await row.locator("a").first().click();
    const raw = page.locator("pre.raw-request");
    await raw.waitFor();
    assert.match(await raw.innerText(), /^POST \/api\/workflows\/shop\/triggers\/webhook/);
    assert.match(await raw.innerText(), /x-shop-event: paid/);
    assert.doesNotMatch(await raw.innerText(), /before-rotation/);
    assert.equal(await page.locator("pre.raw-body").innerText(), body);

    await page.click("button:has-text('Replay')");
    await page.waitForFunction(() =>
      /^#\/runs\/[0-9a-f-]{36}$/.test((globalThis as unknown as { location: { hash: string } }).location.hash),
    );
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor();
    assert.match(await page.locator("main").innerText(), /replay/);
    assert.deepEqual(pageErrors, []);
  });
});
