import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { REPO_ROOT } from "@switchyard/core/testing/test-database";
import { type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../../apps/api/src/testing/start-api";
import type { AddressInfo } from "node:net";
import { createApp } from "../../../apps/api/src/app";
import { createApiServer } from "../../../apps/api/src/create-api-server";
import { FAIL_GRAPH, OUTPUT_GRAPH, SET_GRAPH, SIGNAL_GRAPH } from "../../client/src/testing/test-workflows";

type ToolAnswer = { isError?: boolean; structuredContent?: any; content: { type: string; text?: string }[] };

const TOOLS = [
  "cancel_run",
  "get_run",
  "get_run_steps",
  "get_workflow",
  "list_runs",
  "list_workflows",
  "preview_cron",
  "retry_run",
  "signal_run",
  "trigger_run",
  "wait_for_run",
];

/**
 * The MCP server through the SDK's own Client, over Streamable HTTP (the API's /mcp) and stdio (`switchyard mcp`),
 * against a real API and worker.
 */
describe("the MCP server", () => {
  let api: TestApi;
  let served: { url: string };
  let worker: ServiceProcess;
  let keys: { admin: string; read: string };

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required" });
    served = api;
    const key = async (scope: "admin" | "read") =>
      (await createApiKey(api.deps.db, { name: scope, scopes: [scope], createdBy: "test" })).key;
    keys = { admin: await key("admin"), read: await key("read") };
    const headers = { authorization: `Bearer ${keys.admin}` };
    for (const [handle, graph] of [
      ["mcp-set", SET_GRAPH],
      ["mcp-signal", SIGNAL_GRAPH],
      ["mcp-output", OUTPUT_GRAPH],
      ["mcp-fail", FAIL_GRAPH],
    ] as const) {
      await api.request("POST", "/api/workflows", { body: { name: handle, handle }, headers });
      await api.request("POST", `/api/workflows/${handle}/versions`, { body: { graph }, headers });
    }
    worker = await startWorker(api.deps.env);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const transports: Record<string, (key: string) => Transport> = {
    "Streamable HTTP": (key) =>
      new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    stdio: (key) =>
      new StdioClientTransport({
        command: process.execPath,
        args: [join(REPO_ROOT, "apps/cli/bin/switchyard.js"), "mcp"],
        env: { ...(process.env as Record<string, string>), API_URL: served.url, SWITCHYARD_API_KEY: key },
        stderr: "pipe",
      }),
  };

  for (const [name, transportFor] of Object.entries(transports)) {
    describe(`over ${name}`, () => {
      let mcp: Client;
      let reader: Client;
      const call = async (tool: string, args: Record<string, unknown>, client = mcp, onprogress?: () => void) =>
        (await client.callTool({ name: tool, arguments: args }, undefined, {
          ...(onprogress !== undefined && { onprogress }),
          timeout: 90_000,
        })) as ToolAnswer;
      const textOf = (answer: ToolAnswer) => answer.content.map((c) => c.text ?? "").join("\n");

      before(async () => {
        mcp = new Client({ name: "test", version: "1.0.0" });
        await mcp.connect(transportFor(keys.admin));
        reader = new Client({ name: "reader", version: "1.0.0" });
        await reader.connect(transportFor(keys.read));
      });
      after(async () => {
        await mcp.close();
        await reader.close();
      });

      it("lists every tool, snake_case, with its arguments, and both resource templates", async () => {
        const { tools } = await mcp.listTools();
        assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
        const trigger = tools.find((t) => t.name === "trigger_run")!;
        assert.deepEqual(Object.keys(trigger.inputSchema.properties ?? {}).sort(), [
          "input",
          "wait_seconds",
          "workflow",
          "workflow_version_id",
        ]);
        const { resourceTemplates } = await mcp.listResourceTemplates();
        assert.deepEqual(resourceTemplates.map((r) => r.uriTemplate).sort(), [
          "switchyard://runs/{run_id}",
          "switchyard://workflows/{ref}",
        ]);
      });

      it("triggers a run and waits for its result, with progress notifications meanwhile", async () => {
        let progress = 0;
        const answer = await call(
          "trigger_run",
          { workflow: "mcp-set", input: { n: 5 }, wait_seconds: 30 },
          mcp,
          () => progress++,
        );
        assert.equal(answer.isError, undefined, textOf(answer));
        assert.equal(answer.structuredContent.ended, true);
        assert.equal(answer.structuredContent.run.status, "succeeded");
        assert.deepEqual(answer.structuredContent.result.steps, { a: 5 });
        assert.ok(progress >= 2, `${progress} progress notifications`);
        assert.deepEqual(JSON.parse(answer.content[0]!.text!), answer.structuredContent);

        const runId: string = answer.structuredContent.run.id;
        const run = (await call("get_run", { run_id: runId })).structuredContent;
        assert.equal(run.id, runId);
        const steps = (await call("get_run_steps", { run_id: runId })).structuredContent.steps;
        assert.deepEqual(
          steps.map((s: { node_id: string }) => s.node_id),
          ["a"],
        );
        const listed = (await call("list_runs", { workflow: "mcp-set", q: "n=5", limit: 10 })).structuredContent;
        assert.ok(listed.runs.some((r: { id: string }) => r.id === runId));
        assert.ok("next_cursor" in listed);
        const resource = await mcp.readResource({ uri: `switchyard://runs/${runId}` });
        assert.equal(JSON.parse((resource.contents[0] as { text: string }).text).status, "succeeded");
      });

      it("shows the graph's output as the run's result: trigger and wait, wait_for_run, get_run and the resource", async () => {
        const answer = await call("trigger_run", { workflow: "mcp-output", input: { n: 4 }, wait_seconds: 30 });
        assert.equal(answer.isError, undefined, textOf(answer));
        assert.equal(answer.structuredContent.ended, true);
        assert.deepEqual(answer.structuredContent.result, { doubled: 8 });
        const runId: string = answer.structuredContent.run.id;
        const waited = await call("wait_for_run", { run_id: runId, timeout_seconds: 5 });
        assert.deepEqual(waited.structuredContent.result, { doubled: 8 });
        const run = (await call("get_run", { run_id: runId })).structuredContent;
        assert.deepEqual(run.result, { doubled: 8 });
        assert.deepEqual(run.output_payload.result, { doubled: 8 });
        assert.deepEqual(JSON.parse(textOf(await call("get_run", { run_id: runId }))).result, { doubled: 8 });
        const resource = await mcp.readResource({ uri: `switchyard://runs/${runId}` });
        assert.deepEqual(JSON.parse((resource.contents[0] as { text: string }).text).result, { doubled: 8 });

        // An output that evaluates to null is the result: it does not fall back to the final_state.
        const nothing = await call("trigger_run", { workflow: "mcp-output", input: { n: 0 }, wait_seconds: 30 });
        assert.equal(nothing.structuredContent.run.status, "succeeded");
        assert.ok("result" in nothing.structuredContent, textOf(nothing));
        assert.equal(nothing.structuredContent.result, null);
        const nothingRun = (await call("get_run", { run_id: nothing.structuredContent.run.id })).structuredContent;
        assert.equal(nothingRun.result, null);
      });

      it("shows the final_state as the result of a graph without output, and a failed run's error", async () => {
        const answer = await call("trigger_run", { workflow: "mcp-set", input: { n: 3 }, wait_seconds: 30 });
        const run = (await call("get_run", { run_id: answer.structuredContent.run.id })).structuredContent;
        assert.deepEqual(run.result, { input: { n: 3 }, steps: { a: 3 } });
        const failed = await call("trigger_run", { workflow: "mcp-fail", input: {}, wait_seconds: 30 });
        assert.equal(failed.structuredContent.run.status, "failed");
        assert.equal(failed.structuredContent.ended, true);
        assert.equal("result" in failed.structuredContent, false);
        assert.match(failed.structuredContent.error, /no/);
        const failedRun = (await call("get_run", { run_id: failed.structuredContent.run.id })).structuredContent;
        assert.equal("result" in failedRun, false);
      });

      it("answers a run still going when the wait ends, then waits for it, signals it and retries it", async () => {
        const started = await call("trigger_run", { workflow: "mcp-signal", input: { n: 1 } });
        const runId: string = started.structuredContent.run.id;
        assert.equal(started.structuredContent.ended, false);
        const waited = await call("wait_for_run", { run_id: runId, timeout_seconds: 1 });
        assert.equal(waited.structuredContent.ended, false);
        assert.ok(["pending", "running", "waiting"].includes(waited.structuredContent.run.status));
        for (;;) {
          const status = (await call("get_run", { run_id: runId })).structuredContent.status;
          if (status === "waiting") break;
          await call("wait_for_run", { run_id: runId, timeout_seconds: 1 });
        }
        const signalled = await call("signal_run", { run_id: runId, name: "go", payload: { answer: 9 } });
        assert.equal(signalled.isError, undefined, textOf(signalled));
        let progress = 0;
        const ended = await call("wait_for_run", { run_id: runId, timeout_seconds: 30 }, mcp, () => progress++);
        assert.equal(ended.structuredContent.ended, true);
        assert.equal(ended.structuredContent.run.status, "succeeded");
        assert.ok(progress >= 1);

        const again = await call("trigger_run", { workflow: "mcp-signal", input: { n: 2 } });
        const cancelled = await call("cancel_run", { run_id: again.structuredContent.run.id, reason: "no" });
        assert.equal(cancelled.structuredContent.status, "cancelled");
        const retried = await call("retry_run", { run_id: again.structuredContent.run.id });
        assert.equal(retried.structuredContent.retry_of, again.structuredContent.run.id);
        await call("cancel_run", { run_id: retried.structuredContent.id });
      });

      it("gets a workflow with its latest graph and triggers, also as a resource", async () => {
        const answer = await call("get_workflow", { workflow: "mcp-signal" });
        assert.equal(answer.structuredContent.workflow.handle, "mcp-signal");
        assert.deepEqual(answer.structuredContent.latest_version.graph, SIGNAL_GRAPH);
        assert.deepEqual(answer.structuredContent.triggers.webhook.allowed_methods, ["GET", "POST"]);
        assert.equal(answer.structuredContent.triggers.cron, null);
        const listed = (await call("list_workflows", {})).structuredContent.workflows;
        assert.deepEqual(listed.map((w: { handle: string }) => w.handle).sort(), [
          "mcp-fail",
          "mcp-output",
          "mcp-set",
          "mcp-signal",
        ]);
        const { resources } = await mcp.listResources();
        assert.ok(resources.some((r) => r.uri === "switchyard://workflows/mcp-set"));
        const read = await mcp.readResource({ uri: "switchyard://workflows/mcp-set" });
        assert.deepEqual(JSON.parse((read.contents[0] as { text: string }).text).latest_version.graph, SET_GRAPH);
      });

      it("previews a cron expression, and names what is wrong with a bad one", async () => {
        const answer = await call("preview_cron", { expression: "0 9 * * *", timezone: "Europe/Paris", count: 3 });
        assert.equal(answer.structuredContent.fire_times.length, 3);
        assert.match(answer.structuredContent.fire_times[0].local, / 09:00 /);
        const bad = await call("preview_cron", { expression: "every day" });
        assert.equal(bad.isError, true);
        assert.match(textOf(bad), /cron/i);
      });

      it("refuses a tool whose scope the key lacks, naming the scope", async () => {
        const refused = await call("trigger_run", { workflow: "mcp-set", input: {} }, reader);
        assert.equal(refused.isError, true);
        assert.match(textOf(refused), /trigger_run needs an API key with the trigger scope/);
        assert.equal((await call("list_workflows", {}, reader)).isError, undefined);
      });

      it("answers invalid arguments with an error naming the argument, and goes on serving", async () => {
        const tooLong = await call("trigger_run", { workflow: "mcp-set", wait_seconds: 120 });
        assert.equal(tooLong.isError, true);
        assert.match(textOf(tooLong), /wait_seconds/);
        const notUuid = await call("get_run", { run_id: "nope" });
        assert.equal(notUuid.isError, true);
        assert.match(textOf(notUuid), /run_id/);
        const unknownArg = await call("list_runs", { colour: "red" });
        assert.equal(unknownArg.isError, true);
        assert.match(textOf(unknownArg), /colour/);
        const missing = await call("get_workflow", { workflow: "no-such-workflow" });
        assert.equal(missing.isError, true);
        assert.match(textOf(missing), /Workflow not found \(404\)/);
        assert.equal((await call("list_workflows", {})).isError, undefined);
      });
    });
  }

  describe("over HTTP, before any MCP message", () => {
    const initialize = (headers: Record<string, string>, base = served.url) =>
      fetch(`${base}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        }),
      });

    it("answers 401 without a valid key when auth is required, so no session starts", async () => {
      const res = await initialize({});
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), "Bearer");
      assert.deepEqual(await res.json(), { detail: "Not authenticated" });
      assert.equal((await initialize({ authorization: "Bearer sy_not_a_key" })).status, 401);
      const client = new Client({ name: "anonymous", version: "1.0.0" });
      await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`))));
      const ok = await initialize({ authorization: `Bearer ${keys.read}` });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    });

    it("answers 405 to GET and DELETE: there is no session", async () => {
      const res = await fetch(`${served.url}/mcp`, { headers: { authorization: `Bearer ${keys.read}` } });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get("allow"), "POST");
    });

    it("is not mounted with MCP_ENABLED=false", async () => {
      const { deps } = api;
      const app = createApp({ ...deps, config: { ...deps.config, MCP_ENABLED: false } });
      const off = createApiServer(app, deps.config, deps.logger);
      await new Promise<void>((resolve) => off.listen(0, "127.0.0.1", resolve));
      try {
        const url = `http://127.0.0.1:${(off.address() as AddressInfo).port}`;
        const res = await initialize({ authorization: `Bearer ${keys.admin}` }, url);
        assert.equal(res.status, 404);
        assert.deepEqual(await res.json(), { detail: "Not Found" });
      } finally {
        off.closeAllConnections();
        await new Promise<void>((resolve) => off.close(() => resolve()));
      }
    });
  });
});
