import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";
import { cliAgainst } from "./testing/cli-against";

const SECRET = "cli-inbox-secret";
const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

/** `switchyard inbox`, `replay`, `deliveries` and `redeliver` against a real API (no worker: runs stay pending). */
describe("switchyard inbox, replay, deliveries and redeliver", () => {
  let api: TestApi;
  const cli = cliAgainst(() => api);
  const lines = (stdout: string) =>
    stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l));
  const post = (secret: string) =>
    api.request("POST", "/api/workflows/cli-inbox/triggers/webhook", {
      body: { n: 1 },
      headers: { "x-hook-secret": secret },
    });

  before(async () => {
    api = await startTestApi();
    await api.request("POST", "/api/workflows", { body: { name: "cli-inbox", handle: "cli-inbox" } });
    await api.request("POST", "/api/workflows/cli-inbox/versions", { body: { graph: GRAPH } });
    const put = await api.request("PUT", "/api/workflows/cli-inbox/triggers/webhook/config", {
      body: { secret_header: "x-hook-secret", shared_secret: SECRET },
    });
    assert.equal(put.status, 200, put.text);
  });
  after(() => api.close());

  it("lists the inbox newest first, filtered by outcome and bounded by --count, and replays an entry", async () => {
    assert.equal((await post(SECRET)).status, 202);
    assert.equal((await post("wrong")).status, 401);
    // A rejected delivery's entry is written after its answer.
    await eventually(async () => ((await cli("inbox", "cli-inbox", "rejected")).stdout === "" ? undefined : true));

    const rejected = lines((await cli("inbox", "cli-inbox", "rejected")).stdout);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].reason, "secret_mismatch");
    assert.equal(lines((await cli("inbox", "cli-inbox")).stdout).length, 2);
    assert.equal(lines((await cli("inbox", "cli-inbox", "--count", "1")).stdout).length, 1);

    const replayed = await cli("replay", rejected[0].id);
    assert.equal(replayed.code, 0, replayed.stderr);
    const runJson = JSON.parse(replayed.stdout);
    assert.equal(runJson.triggered_by, "replay");
    assert.equal(runJson.status, "pending");

    const usage = await cli("inbox", "cli-inbox", "maybe");
    assert.equal(usage.code, 2);
    const missing = await cli("replay", "00000000-0000-4000-8000-000000000000");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/i);
  });

  it("lists a subscription's deliveries and sends one again, refused while it is paused", async () => {
    const sub = await api.request("POST", "/api/subscriptions", {
      body: { url: "https://hooks.example.com/cli", events: ["run.cancelled"], workflow: "cli-inbox" },
    });
    assert.equal(sub.status, 201, sub.text);
    const fired = await post(SECRET);
    const cancel = await api.request("POST", `/api/runs/${fired.body.id}/cancel`, { body: {} });
    assert.equal(cancel.status, 200, cancel.text);

    const listed = lines((await cli("deliveries", sub.body.id)).stdout);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].event_type, "run.cancelled");
    assert.equal(listed[0].run_id, fired.body.id);

    const again = await cli("redeliver", sub.body.id, listed[0].id);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).status, "pending");

    await api.request("PUT", `/api/subscriptions/${sub.body.id}`, {
      body: { url: "https://hooks.example.com/cli", events: ["run.cancelled"], enabled: false },
    });
    const paused = await cli("redeliver", sub.body.id, listed[0].id);
    assert.equal(paused.code, 1);
    assert.match(paused.stderr, /disabled/);
    assert.equal((await cli("redeliver", sub.body.id)).code, 2);
  });
});
