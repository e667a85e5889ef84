import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";
import { openSse } from "./testing/open-sse";

/** Many streams at once, a client that stops reading, and streams a key may not read. */
describe("run event streams under load and limits", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let admin: Record<string, string>;

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required", RUN_EVENTS_MAX_BUFFER_BYTES: "1024" });
    const { key } = await createApiKey(api.deps.db, { name: "admin", scopes: ["admin"], createdBy: "test" });
    admin = { authorization: `Bearer ${key}` };
    worker = await startWorker(api.deps.env);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const workflow = async (graph: unknown) => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: "load" }, headers: admin })).body;
    const version = await api.request("POST", `/api/workflows/${wf.id}/versions`, { body: { graph }, headers: admin });
    assert.equal(version.status, 201, version.text);
    return wf.id as string;
  };
  const dispatch = async (workflowId: string, count: number) => {
    const runs = Array.from({ length: count }, (_, n) => ({ input_payload: { n } }));
    const res = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: workflowId, runs },
      headers: admin,
    });
    assert.equal(res.status, 200);
    return (res.body as { id: string }[]).map((r) => r.id);
  };

  it("answers 401 without a valid key, before any event", async () => {
    const [runId] = await dispatch(
      await workflow({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] }),
      1,
    );
    for (const headers of [{}, { authorization: "Bearer sy_not_a_key" }] as Record<string, string>[]) {
      const stream = await openSse(`${api.url}/api/runs/${runId}/events`, headers);
      assert.equal(stream.status, 401);
      assert.match(stream.headers.get("content-type") ?? "", /json/);
      assert.equal((await openSse(`${api.url}/api/events`, headers)).status, 401);
    }
  });

  it("serves 500 streams at once while the runs execute, each with every event of its run", async () => {
    const workflowId = await workflow({
      nodes: [
        { id: "pause", type: "delay", params: { seconds: 1 } },
        { id: "a", type: "set", params: { value: "{{ input.n }}" } },
      ],
      edges: [{ from: "pause", to: "a" }],
    });
    const runIds = await dispatch(workflowId, 50);
    const streams = await Promise.all(
      Array.from({ length: 500 }, (_, i) => openSse(`${api.url}/api/runs/${runIds[i % 50]}/events`, admin)),
    );
    assert.ok(streams.every((s) => s.status === 200));
    const received = await Promise.all(streams.map((s) => s.rest()));
    const histories = new Map<string, string>();
    for (const runId of runIds) {
      const whole = await (await openSse(`${api.url}/api/runs/${runId}/events`, admin)).rest();
      histories.set(runId, JSON.stringify(whole.map((e) => [e.id, e.event, e.data])));
    }
    received.forEach((events, i) => {
      assert.equal(events.at(-1)?.event, "end");
      assert.equal(JSON.stringify(events.map((e) => [e.id, e.event, e.data])), histories.get(runIds[i % 50]!));
    });
    await eventually(async () => (api.live.streams.size() === 0 ? true : undefined), 10_000, "streams closed");
  });

  it("cuts off a client that stops reading, while runs go on for everyone else", async () => {
    // A run whose history (6 MB: steps of 60 KB each) outgrows what the kernel buffers for a client that reads
    // nothing, then waits for a signal.
    const big = Array.from({ length: 100 }, (_, i) => ({
      id: `s${i}`,
      type: "set",
      params: { value: `{{ $pad("", 60000, "x") }}` },
    }));
    const workflowId = await workflow({
      nodes: [...big, { id: "gate", type: "wait_for_signal", params: { name: "go" } }],
      edges: [...big.slice(1).map((n, i) => ({ from: `s${i}`, to: n.id })), { from: "s99", to: "gate" }],
    });
    const [runId] = await dispatch(workflowId, 1);
    await eventually(
      async () =>
        (await api.deps.db.run.findUnique({ where: { id: runId } }))?.status === "waiting" ? true : undefined,
      30_000,
      "the big run to wait",
    );
    // A raw connection that asks for the stream and never reads.
    const url = new URL(api.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.pause();
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(
      `GET /api/runs/${runId}/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${admin.authorization}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    await eventually(async () => (api.live.streams.size() === 1 ? true : undefined), 10_000, "the slow stream open");
    // Meanwhile another run executes and its stream gets everything.
    const [other] = await dispatch(
      await workflow({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] }),
      1,
    );
    const follower = await (await openSse(`${api.url}/api/runs/${other}/events`, admin)).rest();
    assert.equal(follower.at(-1)?.event, "end");
    // The next change of the slow client's run finds its buffer full: it is cut off.
    await api.request("POST", `/api/runs/${runId}/signals/go`, { body: {}, headers: admin });
    await eventually(async () => (api.live.streams.size() === 0 ? true : undefined), 20_000, "the slow stream cut off");
    socket.resume();
    await closed;
    // Its run ended meanwhile, but it never got that far: it was cut off (its last event, if it read it in time, is
    // `error`).
    assert.ok(!received.includes("event: end"));
    assert.ok(received.includes("event: step"));
  });
});
