import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { isTerminal, type RunStatus } from "@switchyard/core/runs/run-status";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

/** The request text as a client sends it: JSON.stringify of an object literal would lose the `__proto__` key. */
const PROTO_VALUE = '{"__proto__": {"polluted": true}, "kept": 1}';

const keysOf = (value: object) => Object.keys(value).sort();

/** Object internals are not data: ids naming them are refused, `__proto__` keys in payloads stay data. */
describe("object internals", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let workflowId: string;

  before(async () => {
    api = await startTestApi();
    worker = await startWorker(api.deps.env);
    workflowId = (await api.request("POST", "/api/workflows", { body: { name: "internals" } })).body.id;
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const createVersion = (graph: string) =>
    api.request("POST", `/api/workflows/${workflowId}/versions`, {
      raw: `{"graph": ${graph}}`,
      headers: { "content-type": "application/json" },
    });
  const dispatch = async (input: string) => {
    const res = await api.request("POST", "/api/triggers/manual/dispatch", {
      raw: `{"workflow_id": "${workflowId}", "runs": [{"input_payload": ${input}}]}`,
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 200, res.text);
    return res.body[0].id as string;
  };

  it("refuses node ids __proto__, constructor and prototype with 422 naming the node", async () => {
    for (const id of ["__proto__", "constructor", "prototype"]) {
      const res = await createVersion(`{"nodes": [{"id": "${id}", "type": "set", "params": {"value": 1}}]}`);
      assert.equal(res.status, 422, res.text);
      assert.match(JSON.stringify(res.body.detail), new RegExp(`node '${id}': id: id names an object internal`));
    }
  });

  it("refuses a regular expression that backtracks exponentially with 422 naming the node", async () => {
    const res = await createVersion(
      '{"nodes": [{"id": "pick", "type": "transform", "params": {"expression": "$match(input.s, /(a+)+$/)"}}]}',
    );
    assert.equal(res.status, 422, res.text);
    assert.match(JSON.stringify(res.body.detail), /node 'pick': params.expression: invalid expression: .*exponential/);
  });

  it("keeps __proto__ keys of a set value, a template and the run input as data, in steps and in run JSON", async () => {
    const graph = `{"nodes": [
      {"id": "plain", "type": "set", "params": {"value": ${PROTO_VALUE}}},
      {"id": "templated", "type": "set", "params": {"value": {"__proto__": "{{ input.__proto__ }}", "n": "{{ input.kept }}"}}}
    ]}`;
    const version = await createVersion(graph);
    assert.equal(version.status, 201, version.text);
    const runId = await dispatch(PROTO_VALUE);
    await eventually(async () => {
      const run = await api.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
      return isTerminal(run.status as RunStatus) ? run : undefined;
    });
    const run = await api.request("GET", `/api/runs/${runId}`);
    assert.equal(run.body.status, "succeeded", run.text);
    // Own keys, in any order (jsonb orders them), the prototype untouched.
    assert.deepEqual(keysOf(run.body.input_payload), ["__proto__", "kept"]);
    const steps = run.body.output_payload.final_state.steps;
    assert.deepEqual(keysOf(steps.plain), ["__proto__", "kept"]);
    assert.deepEqual(keysOf(steps.templated), ["__proto__", "n"]);
    assert.deepEqual(steps.templated.__proto__, { polluted: true });
    assert.equal(Object.getPrototypeOf(steps.templated), Object.prototype);
    const rows = await api.request("GET", `/api/runs/${runId}/steps`);
    assert.match(rows.text, /"__proto__":\{"polluted":true\}/);
  });

  it("keeps a __proto__ key of a webhook's JSON body in the run's input", async () => {
    const res = await api.request("POST", `/api/workflows/${workflowId}/triggers/webhook`, {
      raw: PROTO_VALUE,
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 202, res.text);
    const row = await api.deps.db.run.findUniqueOrThrow({ where: { id: res.body.id } });
    assert.deepEqual(keysOf((row.inputPayload as { body: object }).body), ["__proto__", "kept"]);
  });
});
