import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const ADMIN = { authorization: `Basic ${Buffer.from("admin:s3cret-password").toString("base64")}` };

/** Every URL a page or stylesheet asks the browser to load: attributes, CSS url() and @import. */
function referencedUrls(text: string): string[] {
  const urls: string[] = [];
  for (const m of text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi)) urls.push(m[1]!);
  for (const m of text.matchAll(/url\(\s*["']?([^"')]*)["']?\s*\)/gi)) urls.push(m[1]!);
  for (const m of text.matchAll(/@import\s+["']([^"']*)["']/gi)) urls.push(m[1]!);
  return urls;
}
const isOtherHost = (url: string) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(url);

describe("Bull Board's page", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "s3cret-password" });
    // A workflow on a routing queue of its own: its BullMQ queue is on the boards too.
    await api.deps.db.workflow.create({ data: { name: "Reports", queue: "reports" } });
  });
  after(async () => {
    await api.close();
  });

  it("references nothing on another host, and the API serves everything it references", async () => {
    const page = await api.request("GET", "/admin/queues", { headers: ADMIN });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.doesNotMatch(page.text, /fonts\.googleapis|fonts\.gstatic/);
    const urls = referencedUrls(page.text);
    assert.ok(urls.some((u) => u.endsWith(".css")) && urls.some((u) => u.endsWith(".js")), urls.join(" "));
    assert.deepEqual(urls.filter(isOtherHost), []);

    // Relative to the page's <base href="/admin/queues/">, every one is served here.
    const base = new URL("/admin/queues/", api.url);
    for (const url of urls) {
      const asset = new URL(url, base);
      const res = await api.request("GET", asset.pathname, { headers: ADMIN });
      assert.equal(res.status, 200, asset.pathname);
      if (asset.pathname.endsWith(".css")) assert.deepEqual(referencedUrls(res.text).filter(isOtherHost), []);
    }
    // The policy that refused the fonts still stands: styles and fonts from this origin only.
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /style-src 'self' 'unsafe-inline'/);
    assert.match(csp, /font-src 'self' data:/);
  });

  it("shows the BullMQ queue of every routing queue a workflow names", async () => {
    const res = await api.request("GET", "/admin/queues/api/queues", { headers: ADMIN });
    assert.equal(res.status, 200, res.text);
    const names = (res.body.queues as { name: string }[]).map((q) => q.name).sort();
    assert.deepEqual(names, ["beat", "runs", "runs-reports"]);
  });
});
