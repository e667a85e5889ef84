import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

const FAST = { nodes: [{ id: "a", type: "set", params: { value: "{{ input.body.n }}" } }], edges: [] };
const SLOW = {
  nodes: [
    { id: "pause", type: "delay", params: { seconds: 1 } },
    { id: "a", type: "set", params: { value: "late" } },
  ],
  edges: [{ from: "pause", to: "a" }],
};
const RESPONDS_FIRST = {
  nodes: [
    {
      id: "ack",
      type: "respond",
      params: { status: 201, headers: { "x-ack": "yes" }, body: { ok: true, n: "{{ input.body.n }}" } },
    },
    { id: "pause", type: "delay", params: { seconds: 1 } },
  ],
  edges: [{ from: "ack", to: "pause" }],
};
const FAILS = { nodes: [{ id: "a", type: "fail", params: { message: "no" } }], edges: [] };
/** A graph `output`: the run's result, null for n = 0. */
const OUTPUT = { ...FAST, output: "steps.a = 0 ? null : {'doubled': steps.a * 2}" };

/** Webhook deliveries answered with their run's outcome, against a worker in a process of its own. */
describe("synchronous webhook answers", () => {
  let api: TestApi;
  let worker: ServiceProcess;

  before(async () => {
    api = await startTestApi();
    worker = await startWorker(api.deps.env);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const workflow = async (handle: string, graph: unknown, response?: object) => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: handle, handle } })).body;
    const version = await api.request("POST", `/api/workflows/${wf.id}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    if (response !== undefined) {
      const res = await api.request("PUT", `/api/workflows/${handle}/triggers/webhook/config`, { body: { response } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.response, { mode: "wait", timeout_ms: 10_000, ...response });
    }
  };
  const hook = (handle: string, query = "") => `/api/workflows/${handle}/triggers/webhook${query}`;

  it("answers 200 with the result of a run that ends within the timeout", async () => {
    await workflow("fast", FAST, { mode: "wait" });
    const res = await api.request("POST", hook("fast"), { body: { n: 7 } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, "succeeded");
    assert.equal(res.body.result.steps.a, 7);
    assert.equal(typeof res.body.run_id, "string");
  });

  it("answers with the graph's output as the result, null included", async () => {
    await workflow("output", OUTPUT, { mode: "wait" });
    const res = await api.request("POST", hook("output"), { body: { n: 4 } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.result, { doubled: 8 });
    const empty = await api.request("POST", hook("output"), { body: { n: 0 } });
    assert.equal(empty.status, 200, empty.text);
    assert.ok("result" in empty.body, empty.text);
    assert.equal(empty.body.result, null);
    // The run's event stream ends with the same result.
    const events = await fetch(`${api.url}/api/runs/${empty.body.run_id}/events`);
    const text = await events.text();
    assert.match(text, /event: end\ndata: [^\n]*"result":null/);
  });

  it("answers 200 with the error of a run that failed", async () => {
    await workflow("fails", FAILS, { mode: "wait" });
    const res = await api.request("POST", hook("fails"), { body: {} });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual({ status: res.body.status, error: res.body.error }, { status: "failed", error: "a: no" });
  });

  it("answers 202 with the run and its Location past the timeout, and the run still finishes", async () => {
    await workflow("slow", SLOW, { mode: "wait", timeout_ms: 100 });
    const res = await api.request("POST", hook("slow"), { body: {} });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.headers.get("location"), `/api/runs/${res.body.id}`);
    await eventually(
      async () =>
        (await api.deps.db.run.findUnique({ where: { id: res.body.id } }))?.status === "succeeded" ? true : undefined,
      20_000,
      "the slow run to succeed",
    );
  });

  it("waits when ?wait= asks, on a workflow answering at once by its config", async () => {
    await workflow("asks", FAST);
    const res = await api.request("POST", hook("asks", "?wait=10000"), { body: { n: 3 } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.result.steps.a, 3);
    const at = await api.request("POST", hook("asks"), { body: { n: 3 } });
    assert.equal(at.status, 202);
  });

  it("answers with a respond node's status, headers and body before the run ends", async () => {
    await workflow("ack", RESPONDS_FIRST, { mode: "wait" });
    const res = await api.request("POST", hook("ack"), { body: { n: 5 } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get("x-ack"), "yes");
    assert.deepEqual(res.body, { ok: true, n: 5 });
    const run = await api.deps.db.run.findFirstOrThrow({ where: { workflow: { handle: "ack" } } });
    assert.notEqual(run.status, "succeeded");
    await eventually(
      async () =>
        (await api.deps.db.run.findUnique({ where: { id: run.id } }))?.status === "succeeded" ? true : undefined,
      20_000,
      "the run to go on and succeed",
    );
  });

  it("records what a respond node would have sent when nobody waits", async () => {
    await workflow("noack", RESPONDS_FIRST);
    const res = await api.request("POST", hook("noack"), { body: { n: 1 } });
    assert.equal(res.status, 202);
    const step = await eventually(
      () => api.deps.db.runStep.findFirst({ where: { runId: res.body.id, nodeId: "ack" } }).then((s) => s ?? undefined),
      20_000,
      "the respond step",
    );
    assert.deepEqual(step.output, { status: 201, headers: { "x-ack": "yes" }, body: { ok: true, n: 1 } });
  });

  it("refuses ?wait= out of range or not a number with 422, creating no run", async () => {
    await workflow("bad", FAST);
    for (const wait of ["abc", "0", "30001", "-5", "1.5"]) {
      const res = await api.request("POST", hook("bad", `?wait=${wait}`), { body: {} });
      assert.equal(res.status, 422, `${wait}: ${res.text}`);
      assert.deepEqual(res.body.detail[0].loc, ["query", "wait"]);
    }
    assert.equal(await api.deps.db.run.count({ where: { workflow: { handle: "bad" } } }), 0);
  });

  it("refuses a response config out of range", async () => {
    await workflow("cfg", FAST);
    for (const response of [{ mode: "sync" }, { mode: "wait", timeout_ms: 0 }, { mode: "wait", timeout_ms: 30_001 }]) {
      const res = await api.request("PUT", "/api/workflows/cfg/triggers/webhook/config", { body: { response } });
      assert.equal(res.status, 422, res.text);
    }
  });

  // Last: it closes the API's waiting deliveries as its shutdown does.
  it("answers waiting deliveries 202 with their run's Location when the API shuts down", async () => {
    await workflow("closing", SLOW, { mode: "wait", timeout_ms: 20_000 });
    const answer = api.request("POST", hook("closing"), { body: {} });
    await eventually(async () => (api.live.answers.size() === 1 ? true : undefined), 10_000, "the delivery to wait");
    await api.live.close();
    const res = await answer;
    assert.equal(res.status, 202, res.text);
    assert.equal(res.headers.get("location"), `/api/runs/${res.body.id}`);
  });
});
