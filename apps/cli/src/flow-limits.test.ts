import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";

const run = promisify(execFile);
const bin = join(import.meta.dirname, "../bin/switchyard.js");

describe("switchyard concurrency and rate-limit", () => {
  let api: TestApi;
  const cli = async (...args: string[]) =>
    run(process.execPath, [bin, ...args], {
      env: { ...process.env, ...api.deps.env, API_URL: api.url, LOG_LEVEL: "error" },
    }).then(
      (out) => ({ code: 0, ...out }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

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
});
