import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";
import { openSse } from "./testing/open-sse";

type Sse = { id?: string; event: string; data: string };

/** A parent's event stream over a worker in a process of its own: its children's status changes as `child` events. */
describe("child events on a parent's run stream", () => {
  let api: TestApi;
  let worker: ServiceProcess;

  before(async () => {
    api = await startTestApi();
    worker = spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info" });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const workflow = async (handle: string, graph: unknown) => {
    const wf = await api.request("POST", "/api/workflows", { body: { name: handle, handle } });
    assert.equal(wf.status, 201, JSON.stringify(wf.body));
    const version = await api.request("POST", `/api/workflows/${wf.body.id}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    return wf.body.id as string;
  };
  const dispatch = async (workflowId: string, input: unknown) => {
    const runs = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: workflowId, runs: [{ input_payload: input }] },
    });
    assert.equal(runs.status, 200, JSON.stringify(runs.body));
    return runs.body[0].id as string;
  };
  const summary = (events: Sse[]) =>
    events.map((e) => {
      const d = JSON.parse(e.data) as { status?: string; node_id?: string; child_run_id?: string };
      return e.event === "child"
        ? `child:${d.status}`
        : e.event === "step"
          ? `step:${d.node_id}`
          : `${e.event}:${d.status}`;
    });

  it("sends each child's pending, running and succeeded, then the parent's end; Last-Event-ID resumes mid-way", async () => {
    await workflow("double", {
      nodes: [{ id: "d", type: "transform", params: { expression: "input.item * 2" } }],
      output: "steps.d",
    });
    const parent = await workflow("doubles", {
      nodes: [{ id: "m", type: "map", params: { items: "input.items", workflow: "double", concurrency: 3 } }],
      output: "steps.m.results",
    });
    const runId = await dispatch(parent, { items: [1, 2, 3] });
    const events: Sse[] = await (await openSse(`${api.url}/api/runs/${runId}/events`)).rest();

    assert.equal(events.at(-1)!.event, "end");
    assert.deepEqual(JSON.parse(events.at(-1)!.data), { run_id: runId, status: "succeeded", result: [2, 4, 6] });
    const children = events.filter((e) => e.event === "child").map((e) => JSON.parse(e.data));
    const byChild = new Map<string, string[]>();
    for (const c of children) {
      assert.equal(c.run_id, runId);
      byChild.set(c.child_run_id, [...(byChild.get(c.child_run_id) ?? []), c.status]);
    }
    const listed = (await api.request("GET", `/api/runs?parent=${runId}`)).body as { id: string }[];
    assert.deepEqual([...byChild.keys()].sort(), listed.map((r) => r.id).sort());
    assert.equal(byChild.size, 3);
    for (const statuses of byChild.values()) assert.deepEqual(statuses, ["pending", "running", "succeeded"]);
    // The parent's own events around them: its children are created while it runs, it ends after them.
    const own = summary(events).filter((s) => !s.startsWith("child:"));
    assert.deepEqual(own.slice(0, 2), ["status:pending", "status:running"]);
    assert.deepEqual(own.slice(-2), ["status:succeeded", "end:succeeded"]);
    const lastChild = events.findLastIndex((e) => e.event === "child");
    assert.ok(lastChild < events.findIndex((e) => e.event === "status" && JSON.parse(e.data).status === "succeeded"));
    // Ids are cursors: distinct and in order.
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);

    // A reconnect after any event gets exactly the rest, whichever it was.
    for (const k of [2, Math.floor(events.length / 2), lastChild]) {
      const rest: Sse[] = await (
        await openSse(`${api.url}/api/runs/${runId}/events`, { "last-event-id": events[k]!.id! })
      ).rest();
      assert.deepEqual(
        rest.map((e) => [e.id, e.event, e.data]),
        events.slice(k + 1).map((e) => [e.id, e.event, e.data]),
        `after event ${k}`,
      );
    }
  });

  it("sends a child's change while the parent waits for it", async () => {
    await workflow("gated", {
      nodes: [{ id: "gate", type: "wait_for_signal", params: { name: "go" } }],
    });
    const parent = await workflow("gateds", {
      nodes: [{ id: "m", type: "map", params: { items: "input.items", workflow: "gated", concurrency: 2 } }],
    });
    const runId = await dispatch(parent, { items: [1, 2] });
    const stream = await openSse(`${api.url}/api/runs/${runId}/events`);
    const waiting = new Set<string>();
    while (waiting.size < 2) {
      const e = await stream.next();
      const d = JSON.parse(e.data) as { status: string; child_run_id?: string };
      if (e.event === "child" && d.status === "waiting") waiting.add(d.child_run_id!);
    }
    for (const child of waiting) {
      const signal = await api.request("POST", `/api/runs/${child}/signals/go`, { body: {} });
      assert.equal(signal.status, 200, JSON.stringify(signal.body));
    }
    const rest = summary(await stream.rest());
    assert.equal(rest.filter((s) => s === "child:succeeded").length, 2);
    assert.equal(rest.at(-1), "end:succeeded");
  });
});
