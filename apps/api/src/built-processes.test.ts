import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "@switchyard/core/testing/test-database";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { freePort } from "@switchyard/core/testing/private-redis";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";

const run = promisify(execFile);
const PLUGIN = "examples/plugins/text-hash.ts";
const ADMIN = { ADMIN_USERNAME: "ops", ADMIN_PASSWORD: "built-test-password" };
const BASIC = `Basic ${Buffer.from(`${ADMIN.ADMIN_USERNAME}:${ADMIN.ADMIN_PASSWORD}`).toString("base64")}`;

// What production runs (deploy/systemd, docker-compose.yml): the bundles of `npm run build`, no TypeScript loader.
describe("the built api and worker (dist/)", () => {
  let deps: TestDeps;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let apiUrl = "";

  before(async () => {
    await run(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/build.ts")], { cwd: REPO_ROOT });
    deps = await createTestDeps();
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    // A plugin written in TypeScript: the bundle registers tsx's loader for it.
    const env = { ...deps.env, PORT: String(port), LOG_LEVEL: "info", NODE_PLUGINS: PLUGIN, ...ADMIN };
    api = spawnService("api", env, { built: true });
    worker = spawnService("worker", env, { built: true });
    await api.waitForLog((l) => l.message === "api listening", 60_000);
    await worker.waitForLog((l) => l.message === "worker started", 60_000);
  });
  after(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await deps?.close();
  });

  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it("takes a webhook delivery through to a succeeded run that used the plugin's node type and a code node", async () => {
    const workflow = await send("POST", "/api/workflows", { name: "built" });
    assert.equal(workflow.status, 201, JSON.stringify(workflow.body));
    // The code node's engine loads in a thread of the bundled worker, from node_modules as from the sources.
    const graph = {
      nodes: [
        { id: "hash", type: "text.hash", params: { text: "{{ input.body.text }}" } },
        { id: "double", type: "code", params: { source: "return steps.hash.length * 2;" } },
      ],
      edges: [{ from: "hash", to: "double" }],
    };
    const version = await send("POST", `/api/workflows/${workflow.body.id}/versions`, { graph });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    const delivery = await send("POST", `/api/workflows/${workflow.body.id}/triggers/webhook`, { text: "abc" });
    assert.equal(delivery.status, 202, JSON.stringify(delivery.body));
    const runId = delivery.body.id as string;
    const finished = await eventually(
      async () => {
        const res = await send("GET", `/api/runs/${runId}`);
        return ["succeeded", "failed", "cancelled"].includes(res.body.status as string) ? res.body : undefined;
      },
      60_000,
      "the run to finish",
    );
    assert.equal(finished.status, "succeeded", JSON.stringify(finished.error));
    assert.equal(finished.output_payload.final_state.steps.hash.length, 3);
    assert.equal(finished.output_payload.final_state.steps.double, 6);
  });

  it("serves the dashboard's static files and the API reference from the bundle", async () => {
    const page = await fetch(`${apiUrl}/admin/assets/app.js`, { headers: { authorization: BASIC } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /import/);
    const queues = await fetch(`${apiUrl}/admin/queues`, { headers: { authorization: BASIC } });
    assert.equal(queues.status, 200);
    // Rendered through bull-board's own ejs, found from the bundle, without the external font stylesheet.
    const board = await queues.text();
    assert.match(board, /static\/js\/main\.[0-9a-f]+\.js/);
    assert.doesNotMatch(board, /fonts\.googleapis/);
    const docs = await fetch(`${apiUrl}/api/docs/assets/swagger-ui.css`);
    assert.equal(docs.status, 200);
    const document = await send("GET", "/api/openapi.json");
    assert.equal(document.status, 200);
    assert.equal(typeof document.body.openapi, "string");
  });

  it("answers an MCP tool call from the bundle, the tool calling the API it runs in", async () => {
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    const mcp = new Client({ name: "built", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${apiUrl}/mcp`)));
    try {
      const answer = await mcp.callTool({ name: "list_workflows", arguments: {} });
      assert.equal(answer.isError, undefined, JSON.stringify(answer.content));
      assert.ok(Array.isArray((answer.structuredContent as { workflows: unknown }).workflows));
    } finally {
      await mcp.close();
    }
  });
});
