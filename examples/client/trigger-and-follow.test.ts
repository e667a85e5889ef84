import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../apps/api/src/testing/start-api";

const run = promisify(execFile);
const example = join(import.meta.dirname, "trigger-and-follow.ts");

/** The client example as a user runs it, against a real API and worker. */
describe("examples/client/trigger-and-follow.ts", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let env: Record<string, string>;

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required" });
    const { key } = await createApiKey(api.deps.db, { name: "example", scopes: ["trigger"], createdBy: "test" });
    env = { ...(process.env as Record<string, string>), API_URL: api.url, SWITCHYARD_API_KEY: key };
    const admin = (await createApiKey(api.deps.db, { name: "admin", scopes: ["admin"], createdBy: "test" })).key;
    const adminHeaders = { authorization: `Bearer ${admin}` };
    await api.request("POST", "/api/workflows", { body: { name: "Greet", handle: "greet" }, headers: adminHeaders });
    const graph = {
      nodes: [
        { id: "hello", type: "log", params: { message: "hello {{ input.name }}" } },
        { id: "answer", type: "set", params: { value: "{{ 'hi ' & input.name }}" } },
      ],
      edges: [{ from: "hello", to: "answer" }],
    };
    const version = await api.request("POST", "/api/workflows/greet/versions", {
      body: { graph },
      headers: adminHeaders,
    });
    assert.equal(version.status, 201, version.text);
    worker = await startWorker(api.deps.env);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  it("triggers a run, prints its events as they happen and its result, and exits 0", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", example, "greet", '{"name": "Ada"}'], { env });
    const lines = stdout.trim().split("\n");
    assert.match(lines[0] ?? "", /^run [0-9a-f-]{36} pending$/);
    assert.deepEqual(lines.slice(1, -1), [
      "status pending",
      "status running",
      "log hello: hello Ada",
      "step hello succeeded",
      "step answer succeeded",
      "status succeeded",
      "end succeeded",
    ]);
    assert.deepEqual(JSON.parse((lines.at(-1) ?? "").replace(/^result /, "")).steps, { hello: null, answer: "hi Ada" });
  });

  it("prints the API's typed error for an unknown workflow and exits 1", async () => {
    const failed = await run(process.execPath, ["--import", "tsx", example, "nope"], { env }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal((failed as { code: number }).code, 1);
    assert.match((failed as { stderr: string }).stderr, /^NotFoundError: .*404 Workflow not found/m);
  });
});
