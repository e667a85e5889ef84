import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

type Run = { id: string; status: string; error: string | null; output_payload: any; parent_run_id: string | null };

/** Child runs: workflow and map nodes over real workers (two of them), Postgres and Redis. */
describe("child runs", () => {
  let api: TestApi;
  let workers: ServiceProcess[];
  let server: TestServer;

  before(async () => {
    api = await startTestApi();
    server = await startTestServer();
    workers = [0, 1].map(() =>
      spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info", WORKER_CONCURRENCY: "20" }),
    );
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.message === "worker started")));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server.close();
    await api.close();
  });

  const workflow = async (handle: string, graph: unknown) => {
    const wf = await api.request("POST", "/api/workflows", { body: { name: handle, handle } });
    assert.equal(wf.status, 201, JSON.stringify(wf.body));
    const version = await api.request("POST", `/api/workflows/${wf.body.id}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    return wf.body.id as string;
  };
  const dispatch = async (workflowId: string, input: unknown = {}) => {
    const runs = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: workflowId, runs: [{ input_payload: input }] },
    });
    assert.equal(runs.status, 200, JSON.stringify(runs.body));
    return runs.body[0].id as string;
  };
  const getRun = async (id: string) => (await api.request("GET", `/api/runs/${id}`)).body as Run & { children: any };
  const finished = (id: string, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const run = await getRun(id);
        return ["succeeded", "failed", "cancelled"].includes(run.status) ? run : undefined;
      },
      timeoutMs,
      `run ${id} to finish`,
    );
  const statusIs = (id: string, status: string) =>
    eventually(async () => ((await getRun(id)).status === status ? true : undefined), 30_000, `run ${id} ${status}`);
  const childrenOf = async (id: string) => {
    const all: Run[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.request(
        "GET",
        `/api/runs?parent=${id}&limit=200${cursor === null ? "" : `&cursor=${cursor}`}`,
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      all.push(...(page.body as Run[]));
      cursor = page.headers.get("x-next-cursor");
    } while (cursor !== null);
    return all;
  };

  it("maps 200 items with at most 10 children in flight and returns the results in item order", async () => {
    server.route("/slot", async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 15));
      return { body: { n: Number(req.query.n) } };
    });
    await workflow("square", {
      nodes: [
        { id: "call", type: "http.request", params: { url: `${server.url}/slot?n={{ input.item }}` } },
        { id: "sq", type: "transform", params: { expression: "steps.call.body.n * steps.call.body.n" } },
      ],
      edges: [{ from: "call", to: "sq" }],
      output: "steps.sq",
    });
    const parent = await workflow("fan-out", {
      nodes: [
        { id: "m", type: "map", params: { items: "input.items", workflow: "square", concurrency: 10 } },
        { id: "sum", type: "transform", params: { expression: "$sum(steps.m.results)" } },
      ],
      edges: [{ from: "m", to: "sum" }],
      output: "{'total': steps.sum, 'first': steps.m.results[0], 'last': steps.m.results[199]}",
    });
    const items = Array.from({ length: 200 }, (_, i) => i);
    const runId = await dispatch(parent, { items });
    const run = await finished(runId, 120_000);
    assert.equal(run.status, "succeeded", run.error ?? "");
    assert.deepEqual(run.output_payload.result, {
      total: items.reduce((a, i) => a + i * i, 0),
      first: 0,
      last: 199 * 199,
    });
    assert.deepEqual(
      run.output_payload.final_state.steps.m.results,
      items.map((i) => i * i),
    );
    assert.equal(run.output_payload.final_state.steps.m.succeeded, 200);
    assert.ok(server.maxInFlight() <= 10, `at most 10 children in flight, saw ${server.maxInFlight()}`);
    assert.ok(server.maxInFlight() > 1, "children run concurrently");
    assert.deepEqual(run.children, {
      total: 200,
      pending: 0,
      running: 0,
      waiting: 0,
      succeeded: 200,
      failed: 0,
      cancelled: 0,
    });
    const children = await childrenOf(runId);
    assert.equal(children.length, 200);
    assert.ok(children.every((c) => c.parent_run_id === runId && (c as any).root_run_id === runId));
    assert.ok(children.every((c) => (c as any).triggered_by === "parent"));
    const audit = (await api.request("GET", `/api/runs/${children[0]!.id}`)).body.audit_log[0];
    assert.equal(audit.action, "run_created");
    assert.equal(audit.metadata.parent_run_id, runId);
    assert.equal(audit.metadata.node_id, "m");
  });

  it("fails fast on the first failed child, cancelling the live ones; collect runs every child", async () => {
    server.route("/hold", () => new Promise(() => undefined));
    await workflow("odd-fails", {
      nodes: [
        { id: "check", type: "set", params: { value: "{{ input.item }}" } },
        { id: "f", type: "fail", params: { message: "item {{ input.item }} is odd" } },
        { id: "hold", type: "http.request", params: { url: `${server.url}/hold` } },
      ],
      edges: [
        { from: "check", to: "f", when: "input.item % 2 = 1" },
        { from: "check", to: "hold", when: "input.item = 2" },
      ],
      output: "input.item",
    });
    const fast = await workflow("fail-fast", {
      nodes: [{ id: "m", type: "map", params: { items: "[2, 1]", workflow: "odd-fails", concurrency: 2 } }],
      edges: [],
    });
    const fastRun = await finished(await dispatch(fast));
    assert.equal(fastRun.status, "failed");
    assert.match(fastRun.error ?? "", /^m: f: item 1 is odd$/);
    const fastChildren = await childrenOf(fastRun.id);
    const held = fastChildren.find((c) => (c as any).input_payload.index === 0)!;
    // The held sibling was running on a worker: it is cancelled, not left to hang.
    assert.equal((await finished(held.id)).status, "cancelled");

    const collect = await workflow("collect", {
      nodes: [
        {
          id: "m",
          type: "map",
          params: { items: "[1, 4, 3]", workflow: "odd-fails", concurrency: 1, on_failure: "collect" },
        },
      ],
      edges: [],
    });
    const collectRun = await finished(await dispatch(collect));
    assert.equal(collectRun.status, "succeeded", collectRun.error ?? "");
    const out = collectRun.output_payload.final_state.steps.m;
    assert.deepEqual(out.results, [null, 4, null]);
    assert.deepEqual(
      out.runs.map((r: any) => r.status),
      ["failed", "succeeded", "failed"],
    );
    assert.equal(out.runs[0].error, "f: item 1 is odd");
    assert.deepEqual([out.succeeded, out.failed, out.cancelled], [1, 2, 0]);

    const empty = await workflow("empty-map", {
      nodes: [{ id: "m", type: "map", params: { items: "[]", workflow: "odd-fails" } }],
      edges: [],
    });
    const emptyRun = await finished(await dispatch(empty));
    assert.equal(emptyRun.status, "succeeded");
    assert.deepEqual(emptyRun.output_payload.final_state.steps.m, {
      results: [],
      runs: [],
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    });
  });

  it("calls a workflow and waits for its result, or starts it without waiting", async () => {
    await workflow("double", {
      nodes: [{ id: "d", type: "transform", params: { expression: "input.n * 2" } }],
      edges: [],
      output: "{'doubled': steps.d}",
    });
    const caller = await workflow("caller", {
      nodes: [
        { id: "call", type: "workflow", params: { workflow: "double", input: { n: "{{ input.n }}" } } },
        { id: "fire", type: "workflow", params: { workflow: "double", input: { n: 1 }, wait: false } },
      ],
      edges: [],
    });
    const run = await finished(await dispatch(caller, { n: 21 }));
    assert.equal(run.status, "succeeded", run.error ?? "");
    assert.deepEqual(run.output_payload.final_state.steps.call, { doubled: 42 });
    const fired = run.output_payload.final_state.steps.fire.run_id as string;
    assert.equal((await finished(fired)).parent_run_id, run.id);
    // Without an `output`, the result is the child's final_state.
    await workflow("plain", { nodes: [{ id: "v", type: "set", params: { value: 7 } }], edges: [] });
    const plainCaller = await workflow("plain-caller", {
      nodes: [{ id: "call", type: "workflow", params: { workflow: "plain", input: { a: 1 } } }],
      edges: [],
    });
    const plain = await finished(await dispatch(plainCaller));
    assert.deepEqual(plain.output_payload.final_state.steps.call, { input: { a: 1 }, steps: { v: 7 } });
  });

  it("retries a workflow node with a new child per try", async () => {
    server.route("/once-bad", (_req, n) => (n === 1 ? { status: 503, body: "busy" } : { body: { ok: true } }));
    await workflow("once-bad", {
      nodes: [{ id: "c", type: "http.request", params: { url: `${server.url}/once-bad` } }],
      edges: [],
      output: "steps.c.body",
    });
    const caller = await workflow("retrying-caller", {
      nodes: [
        {
          id: "call",
          type: "workflow",
          params: { workflow: "once-bad" },
          retry: { max_attempts: 2, initial_delay_seconds: 0 },
        },
      ],
      edges: [],
    });
    const run = await finished(await dispatch(caller));
    assert.equal(run.status, "succeeded", run.error ?? "");
    assert.deepEqual(run.output_payload.final_state.steps.call, { ok: true });
    const children = await childrenOf(run.id);
    assert.deepEqual(children.map((c) => c.status).sort(), ["failed", "succeeded"]);
  });

  it("fails a node naming an unknown workflow at run time, and a call past MAX_RUN_DEPTH", async () => {
    const unknown = await workflow("calls-nothing", {
      nodes: [{ id: "call", type: "workflow", params: { workflow: "no-such-workflow" } }],
      edges: [],
    });
    const run = await finished(await dispatch(unknown));
    assert.equal(run.error, "call: Workflow not found");
    // Calls itself until the depth limit (5) stops it: every level fails in turn.
    const recurse = await workflow("recurse", {
      nodes: [{ id: "again", type: "workflow", params: { workflow: "recurse" } }],
      edges: [],
    });
    const top = await finished(await dispatch(recurse));
    assert.equal(top.status, "failed");
    let deepest = top;
    for (let level = 1; level <= 5; level++) {
      const [child] = await childrenOf(deepest.id);
      assert.ok(child !== undefined, `a child at depth ${level}`);
      deepest = await finished(child.id);
    }
    assert.deepEqual(await childrenOf(deepest.id), []);
    assert.equal(deepest.error, "again: run depth limit (5) reached");
  });

  it("refuses bad map params with a 422 naming the field", async () => {
    const wf = await api.request("POST", "/api/workflows", { body: { name: "bad-map" } });
    const bad = await api.request("POST", `/api/workflows/${wf.body.id}/versions`, {
      body: {
        graph: { nodes: [{ id: "m", type: "map", params: { items: "[1]", workflow: "x", concurrency: 0 } }] },
      },
    });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.body), /params\.concurrency/);
    const badOutput = await api.request("POST", `/api/workflows/${wf.body.id}/versions`, {
      body: { graph: { nodes: [{ id: "a", type: "set", params: { value: 1 } }], output: "$$$(" } },
    });
    assert.equal(badOutput.status, 422);
    assert.match(JSON.stringify(badOutput.body), /graph\.output/);
    const badParent = await api.request("GET", "/api/runs?parent=not-a-run");
    assert.equal(badParent.status, 422);
    assert.match(JSON.stringify(badParent.body), /parent/);
  });

  it("cancels every live descendant with the parent, stopping running children on their workers", async () => {
    server.route("/forever", () => new Promise(() => undefined));
    await workflow("hangs", {
      nodes: [{ id: "wait", type: "http.request", params: { url: `${server.url}/forever`, timeout_seconds: 300 } }],
      edges: [],
    });
    const parent = await workflow("hang-parent", {
      nodes: [{ id: "m", type: "map", params: { items: "[1, 2, 3]", workflow: "hangs", concurrency: 2 } }],
      edges: [],
    });
    const runId = await dispatch(parent);
    await statusIs(runId, "waiting");
    const running = await eventually(
      async () => {
        const children = await childrenOf(runId);
        return children.filter((c) => c.status === "running").length === 2 ? children : undefined;
      },
      30_000,
      "two running children",
    );
    const aborted = Promise.all(
      running.map((c) =>
        Promise.any(
          workers.map((w) =>
            w.waitForLog((l) => l.message === "run cancel received, aborting" && l.runId === c.id, 30_000),
          ),
        ),
      ),
    );
    const cancel = await api.request("POST", `/api/runs/${runId}/cancel`, { body: {} });
    assert.equal(cancel.status, 200);
    await aborted;
    const after = await childrenOf(runId);
    assert.equal(after.length, 2, "no child is created after the cancel");
    assert.ok(after.every((c) => c.status === "cancelled"));
    assert.equal((await getRun(runId)).status, "cancelled");
  });

  it("cancels grandchildren too: every live descendant of the cancelled run", async () => {
    await workflow("leaf", { nodes: [{ id: "w", type: "wait_for_signal", params: { name: "go" } }], edges: [] });
    await workflow("middle", {
      nodes: [{ id: "call", type: "workflow", params: { workflow: "leaf" } }],
      edges: [],
    });
    const top = await workflow("top", {
      nodes: [{ id: "call", type: "workflow", params: { workflow: "middle" } }],
      edges: [],
    });
    const runId = await dispatch(top);
    const leaf = await eventually(
      async () => {
        const [middle] = await childrenOf(runId);
        const [grandchild] = middle === undefined ? [] : await childrenOf(middle.id);
        return grandchild?.status === "waiting" ? { middle: middle!, grandchild } : undefined;
      },
      30_000,
      "a waiting grandchild",
    );
    assert.equal(((await getRun(leaf.grandchild.id)) as any).root_run_id, runId);
    assert.equal((await api.request("POST", `/api/runs/${runId}/cancel`, { body: {} })).status, 200);
    assert.equal((await getRun(leaf.middle.id)).status, "cancelled");
    assert.equal((await getRun(leaf.grandchild.id)).status, "cancelled");
  });

  it("reuses the succeeded children of a failed parent when it is retried", async () => {
    let failFirstCall = true;
    server.route("/flaky", (req) => {
      if (req.query.item === "1" && failFirstCall) {
        failFirstCall = false;
        return { status: 500, body: "boom" };
      }
      return { body: { item: req.query.item } };
    });
    await workflow("flaky", {
      nodes: [{ id: "c", type: "http.request", params: { url: `${server.url}/flaky?item={{ input.item }}` } }],
      edges: [],
      output: "steps.c.body.item",
    });
    const parent = await workflow("flaky-parent", {
      nodes: [
        { id: "m", type: "map", params: { items: "[0, 1, 2]", workflow: "flaky", on_failure: "collect" } },
        { id: "f", type: "fail", params: { message: "some items failed" } },
      ],
      edges: [{ from: "m", to: "f", when: "steps.m.failed > 0" }],
    });
    const first = await finished(await dispatch(parent));
    assert.equal(first.status, "failed");
    const firstChildren = await childrenOf(first.id);
    assert.equal(firstChildren.length, 3);
    const retried = await api.request("POST", `/api/runs/${first.id}/retry`, { body: {} });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    const second = await finished(retried.body.id);
    assert.equal(second.status, "succeeded", second.error ?? "");
    const out = second.output_payload.final_state.steps.m;
    assert.deepEqual(out.results, ["0", "1", "2"]);
    const byIndex = (i: number) => firstChildren.find((c) => (c as any).input_payload.index === i)!;
    assert.equal(byIndex(1).status, "failed");
    assert.deepEqual(
      [out.runs[0].id, out.runs[2].id],
      [byIndex(0).id, byIndex(2).id],
      "items 0 and 2 reuse the first run's children",
    );
    // Only the failed item ran again.
    assert.equal((await childrenOf(second.id)).length, 1);
    assert.equal(server.requests.filter((r) => r.path === "/flaky").length, 4);
  });
});
