import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";
import { openSse } from "./testing/open-sse";

const SIGNAL_GRAPH = {
  nodes: [
    { id: "hello", type: "log", params: { message: "hello {{ input.n }}" } },
    { id: "gate", type: "wait_for_signal", params: { name: "go" } },
    { id: "done", type: "set", params: { value: "{{ steps.gate.answer }}" } },
  ],
  edges: [
    { from: "hello", to: "gate" },
    { from: "gate", to: "done" },
  ],
};

/** Run event streams over a worker in a process of its own: every change arrives, in order, once. */
describe("GET /api/runs/{run_id}/events", () => {
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

  const dispatch = async (graph: unknown, input: unknown = {}) => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: "events" } })).body;
    const version = await api.request("POST", `/api/workflows/${wf.id}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    const runs = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ input_payload: input }] },
    });
    return runs.body[0].id as string;
  };
  const waitingFor = (runId: string) =>
    eventually(
      async () =>
        (await api.deps.db.run.findUnique({ where: { id: runId } }))?.status === "waiting" ? true : undefined,
      20_000,
      "the run to wait",
    );

  it("sends every status, log and step event in order while the worker executes the run, then end, and closes", async () => {
    const runId = await dispatch(SIGNAL_GRAPH, { n: 1 });
    const stream = await openSse(`${api.url}/api/runs/${runId}/events`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get("content-type") ?? "", /^text\/event-stream/);
    await waitingFor(runId);
    const signal = await api.request("POST", `/api/runs/${runId}/signals/go`, { body: { answer: 42 } });
    assert.equal(signal.status, 200, JSON.stringify(signal.body));
    const events = await stream.rest();
    const summary = events.map((e) => {
      const d = JSON.parse(e.data) as { status?: string; node_id?: string; message?: string };
      return e.event === "status" || e.event === "end"
        ? `${e.event}:${d.status}`
        : e.event === "step"
          ? `step:${d.node_id}:${d.status}`
          : `log:${d.message}`;
    });
    assert.deepEqual(summary, [
      "status:pending",
      "status:running",
      "log:hello 1",
      "step:hello:succeeded",
      "status:waiting",
      // The signal writes the parked node's step; the run resumes after it.
      "step:gate:succeeded",
      "status:running",
      "step:done:succeeded",
      "status:succeeded",
      "end:succeeded",
    ]);
    const end = JSON.parse(events.at(-1)!.data) as { result: { steps: { done: unknown } } };
    assert.deepEqual(end.result.steps.done, 42);
    // Ids are cursors, distinct and in order.
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);
  });

  it("resumes after Last-Event-ID with exactly the events missed", async () => {
    const runId = await dispatch(SIGNAL_GRAPH, { n: 2 });
    const first = await openSse(`${api.url}/api/runs/${runId}/events`);
    await waitingFor(runId);
    const seen = [await first.next(), await first.next(), await first.next()];
    first.close();
    await api.request("POST", `/api/runs/${runId}/signals/go`, { body: { answer: 1 } });
    const again = await openSse(`${api.url}/api/runs/${runId}/events`, { "last-event-id": seen.at(-1)!.id! });
    const rest = await again.rest();
    const whole = await (await openSse(`${api.url}/api/runs/${runId}/events`)).rest();
    assert.deepEqual(
      [...seen, ...rest].map((e) => [e.id, e.event, e.data]),
      whole.map((e) => [e.id, e.event, e.data]),
    );
  });

  it("sends a finished run's history and end at once", async () => {
    const runId = await dispatch({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] });
    await eventually(
      async () =>
        (await api.deps.db.run.findUnique({ where: { id: runId } }))?.status === "succeeded" ? true : undefined,
      20_000,
      "the run to succeed",
    );
    const events = await (await openSse(`${api.url}/api/runs/${runId}/events`)).rest();
    assert.deepEqual(
      events.map((e) => e.event),
      ["status", "status", "step", "status", "end"],
    );
  });

  it("streams the status changes of a workflow's runs on GET /api/events, filtered by workflow and status", async () => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: "tail", handle: "tail" } })).body;
    await api.request("POST", `/api/workflows/${wf.id}/versions`, {
      body: { graph: { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] } },
    });
    const all = await openSse(`${api.url}/api/events?workflow=tail`);
    const done = await openSse(`${api.url}/api/events?status=succeeded&workflow=${wf.id}`);
    assert.equal(all.status, 200);
    const runs = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ input_payload: {} }] },
    });
    const runId = runs.body[0].id as string;
    const seen = [
      JSON.parse((await all.next()).data),
      JSON.parse((await all.next()).data),
      JSON.parse((await all.next()).data),
    ];
    assert.deepEqual(
      seen.map((d: { run_id: string; workflow_id: string; status: string }) => [d.run_id, d.workflow_id, d.status]),
      [
        [runId, wf.id, "pending"],
        [runId, wf.id, "running"],
        [runId, wf.id, "succeeded"],
      ],
    );
    const succeeded = await done.next();
    assert.equal(succeeded.event, "status");
    assert.equal(JSON.parse(succeeded.data).status, "succeeded");
    all.close();
    done.close();
    assert.equal((await openSse(`${api.url}/api/events?status=nope`)).status, 422);
    assert.equal((await openSse(`${api.url}/api/events?workflow=missing`)).status, 404);
  });

  it("answers 404 before any event for an unknown run", async () => {
    const stream = await openSse(`${api.url}/api/runs/00000000-0000-4000-8000-000000000000/events`);
    assert.equal(stream.status, 404);
    assert.match(await stream.text(), /not found/);
  });
});
