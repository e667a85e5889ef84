import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { openDashboardBrowser, type DashboardBrowser } from "./testing/dashboard-browser";
import { startTestApi, type TestApi } from "./testing/start-api";

const ADMIN = { username: "ops", password: "s3cret" };
const TIMEOUT = 30_000;
const GRAPH = { nodes: [{ id: "boom", type: "fail", params: { message: "out of stock" } }], edges: [] };

/** The Subscriptions page in Debian's Chromium: create one (secret shown once), see its delivery, retry it. */
describe("the dashboard's Subscriptions page in a browser", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let receiver: TestServer;
  let browser: DashboardBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    api = await startTestApi({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    receiver = await startTestServer();
    worker = await startWorker(api.deps.env, 60_000);
    browser = await openDashboardBrowser({ credentials: ADMIN, timeoutMs: TIMEOUT, errors: pageErrors });
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
    await receiver?.close();
    await api?.close();
  });

  it("creates a subscription showing its secret once, lists its delivery with attempts and retries it", async () => {
    receiver.route("/hook", () => ({ status: 200 }));
    await api.request("POST", "/api/workflows", { body: { name: "Shop", handle: "shop" } });
    await api.request("POST", "/api/workflows/shop/versions", { body: { graph: GRAPH } });

    await page.goto(`${api.url}/admin#/subscriptions`);
    await page.fill("input[name=url]", `${receiver.url}/hook`);
    await page.check("input[name=events][value='run.failed']");
    await page.selectOption("select[name=workflow]", { label: "Shop" });
    await page.click("button:has-text('Subscribe')");
    const secret = (await page.locator("pre.secret").innerText()).trim();
    assert.match(secret, /^whsec_/);
    const row = page.locator("table.subscriptions tbody tr", { hasText: "run.failed" });
    await row.waitFor();

    const run = await api.request("POST", "/api/workflows/shop/triggers/webhook", { body: { sku: "x" } });
    assert.equal(run.status, 202);
    const sent = await eventually(async () => receiver.requests.find((r) => r.path === "/hook"));
    const headers = Object.fromEntries(Object.entries(sent.headers).map(([k, v]) => [k, String(v)]));
    const event = new Webhook(secret).verify(sent.body, headers) as { data: { id: string } };
    assert.equal(event.data.id, run.body.id);

    await row.locator("a").first().click();
    const delivery = page.locator("table.deliveries tbody tr", { hasText: "run.failed" });
    await delivery.waitFor();
    await page.reload();
    await delivery.locator("text=delivered").first().waitFor();
    assert.match(await delivery.innerText(), /succeeded 200/);
    // The secret is nowhere on the subscription's own page.
    assert.doesNotMatch(await page.locator("main").innerText(), /whsec_/);

    await delivery.locator("button:has-text('Retry')").click();
    await eventually(async () => (receiver.requests.filter((r) => r.path === "/hook").length === 2 ? true : undefined));
    assert.deepEqual(pageErrors, []);
  });
});
