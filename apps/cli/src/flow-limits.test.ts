import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";
import { cliAgainst } from "./testing/cli-against";

describe("switchyard concurrency and rate-limit", () => {
  let api: TestApi;
  const cli = cliAgainst(() => api);

  before(async () => {
    api = await startTestApi();
    await api.request("POST", "/api/workflows", { body: { name: "cli-limits", handle: "cli-limits" } });
  });
  after(async () => {
    await api.close();
  });

  it("sets, shows and removes a workflow's concurrency limits", async () => {
    const set = await cli(
      "concurrency",
      "cli-limits",
      "--set",
      "max_running=3",
      "--set",
      "key=input.customer",
      "--set",
      "max_running_per_key=1",
    );
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { max_running: 3, key: "input.customer", max_running_per_key: 1 });
    const shown = await cli("concurrency", "cli-limits");
    assert.deepEqual(JSON.parse(shown.stdout), JSON.parse(set.stdout));
    const removed = await cli("concurrency", "cli-limits", "--set", "none");
    assert.deepEqual(JSON.parse(removed.stdout), { max_running: null, key: null, max_running_per_key: null });
    const bad = await cli("concurrency", "cli-limits", "--set", "max_running=0");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /max_running/);
  });

  it("sets, shows and removes a workflow's start rate limit", async () => {
    const set = await cli("rate-limit", "cli-limits", "--set", "limit=10", "--set", "interval_seconds=60");
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { limit: 10, interval_seconds: 60, key: null });
    assert.deepEqual(JSON.parse((await cli("rate-limit", "cli-limits")).stdout), JSON.parse(set.stdout));
    assert.equal(JSON.parse((await cli("rate-limit", "cli-limits", "--set", "none")).stdout), null);
  });

  it("sets, shows and resets a workflow's routing, and triggers a run with a priority of its own", async () => {
    const set = await cli("routing", "cli-limits", "--set", "queue=reports", "--set", "priority=3");
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { queue: "reports", priority: 3 });
    assert.deepEqual(JSON.parse((await cli("routing", "cli-limits")).stdout), JSON.parse(set.stdout));
    const bad = await cli("routing", "cli-limits", "--set", "queue=Not Valid");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /queue/);

    const graph = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
    const version = await api.request("POST", "/api/workflows/cli-limits/versions", { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    const triggered = await cli("trigger", "cli-limits", "--priority", "1");
    assert.equal(triggered.code, 0, triggered.stderr);
    const runId = triggered.stdout.split(" ")[0]!;
    const runJson = (await api.request("GET", `/api/runs/${runId}`)).body;
    assert.deepEqual([runJson.queue, runJson.priority], ["reports", 1]);
    const refused = await cli("trigger", "cli-limits", "--priority", "11");
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /priority/);

    assert.deepEqual(JSON.parse((await cli("routing", "cli-limits", "--set", "none")).stdout), {
      queue: "default",
      priority: 5,
    });
  });
});
