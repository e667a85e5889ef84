import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { isTerminal, type RunStatus } from "@switchyard/core/runs/run-status";
import { eventually, spawnService, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";

const PLUGIN = "examples/plugins/text-hash.ts";
const BROKEN = "packages/core/src/engine/plugins/testing/bad-fields.ts";

describe("node type plugins in real processes", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let server: TestServer;

  before(async () => {
    api = await startTestApi({ NODE_PLUGINS: PLUGIN });
    server = await startTestServer();
    worker = await startWorker(api.deps.env, 60_000);
  });
  after(async () => {
    await worker.stop();
    await server.close();
    await api.close();
  });

  const createWorkflow = async () =>
    (await api.request("POST", "/api/workflows", { body: { name: "plugin" } })).body.id as string;

  it("logs the plugins it loaded at start", async () => {
    const line = await worker.waitForLog((l) => l.message === "node plugins loaded");
    assert.deepEqual([line.plugins, line.nodeTypes], [[PLUGIN], ["text.hash"]]);
  });

  it("runs a version that uses a plugin type, created through the API, and passes its output on", async () => {
    server.route("/signed", (req) => ({ body: { signature: req.headers["x-signature"], body: req.body } }));
    const workflowId = await createWorkflow();
    const graph = {
      nodes: [
        { id: "sign", type: "text.hash", params: { text: "{{ $string(input.payload) }}", key: "{{ input.key }}" } },
        {
          id: "send",
          type: "http.request",
          params: {
            method: "POST",
            url: `${server.url}/signed`,
            headers: { "x-signature": "sha256={{ steps.sign.digest }}" },
            body: "{{ input.payload }}",
          },
        },
      ],
      edges: [{ from: "sign", to: "send" }],
    };
    const version = await api.request("POST", `/api/workflows/${workflowId}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    const payload = { order: 42, total: 9.5 };
    const dispatched = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: workflowId, runs: [{ input_payload: { payload, key: "k3y" } }] },
    });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    const runId = dispatched.body[0].id as string;
    const run = await eventually(
      async () => {
        const res = await api.request("GET", `/api/runs/${runId}`);
        return isTerminal(res.body.status as RunStatus) ? res.body : undefined;
      },
      60_000,
      "the plugin run to finish",
    );
    assert.equal(run.status, "succeeded", run.error);
    const digest = createHmac("sha256", "k3y").update(JSON.stringify(payload)).digest("hex");
    const steps = run.output_payload.final_state.steps;
    assert.deepEqual(steps.sign, { algorithm: "sha256", hmac: true, digest, length: JSON.stringify(payload).length });
    assert.deepEqual(steps.send.body, { signature: `sha256=${digest}`, body: JSON.stringify(payload) });
  });

  it("rejects a version whose plugin node has bad params with 422 naming the node", async () => {
    const workflowId = await createWorkflow();
    const res = await api.request("POST", `/api/workflows/${workflowId}/versions`, {
      body: { graph: { nodes: [{ id: "h", type: "text.hash", params: { text: "x", algorithm: "md5" } }] } },
    });
    assert.equal(res.status, 422);
    assert.match(JSON.stringify(res.body), /node 'h': params\.algorithm: /);
  });

  it("stops a worker whose plugin is broken at start with exit 2 and the module's problems", async () => {
    const broken = spawnService("worker", { ...api.deps.env, NODE_PLUGINS: `${PLUGIN},${BROKEN}` });
    assert.equal(await broken.exited, 2);
    const stderr = broken.stderr.join("\n");
    assert.match(stderr, /^worker: Invalid NODE_PLUGINS:$/m);
    assert.match(stderr, new RegExp(`module '${BROKEN}': node type 'fixture.bad': run is not a function`));
    assert.match(stderr, new RegExp(`module '${BROKEN}': node type 'fixture.bad': params is not a zod schema`));
    assert.equal(broken.logs.filter((l) => l.message === "worker started").length, 0);
  });

  it("stops an api whose plugin module is missing at start with exit 2", async () => {
    const broken = spawnService("api", { ...api.deps.env, PORT: "0", NODE_PLUGINS: "./plugins/missing.ts" });
    assert.equal(await broken.exited, 2);
    assert.match(
      broken.stderr.join("\n"),
      /^ {2}module '\.\/plugins\/missing\.ts': file not found: \/.*\/plugins\/missing\.ts$/m,
    );
  });
});
