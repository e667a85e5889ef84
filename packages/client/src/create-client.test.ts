import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../../apps/api/src/testing/start-api";
import { createClient, type RunEvent, type SwitchyardClient } from "./index";
import { SET_GRAPH, SIGNAL_GRAPH } from "./testing/test-workflows";

/** The client against a real API and worker (run events across an API restart: run-events-api-restart.test.ts). */
describe("createClient", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let client: SwitchyardClient;

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required" });
    const { key } = await createApiKey(api.deps.db, { name: "client", scopes: ["admin"], createdBy: "test" });
    client = createClient({ url: api.url, token: key });
    worker = await startWorker(api.deps.env);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const workflow = async (handle: string, graph: Record<string, unknown>) => {
    const wf = await client.workflows.create({ name: handle, handle });
    await client.workflows.versions.create(wf.id, { graph });
    return wf;
  };

  it("manages workflows, versions and trigger configs", async () => {
    const wf = await client.workflows.create({ name: "Manage", handle: "manage", tags: ["a"] });
    assert.equal(wf.handle, "manage");
    assert.equal(wf.latest_version, null);
    const v1 = await client.workflows.versions.create("manage", { graph: SET_GRAPH, notes: "first" });
    await client.workflows.versions.create("manage", { graph: { ...SET_GRAPH, edges: [] } });
    assert.equal(v1.version, 1);
    assert.deepEqual(
      (await client.workflows.versions.list("manage")).map((v) => v.version),
      [1, 2],
    );
    assert.equal((await client.workflows.versions.get("manage", 1)).notes, "first");
    assert.ok(Array.isArray((await client.workflows.versions.diff("manage", 1, 2)).diff));
    assert.equal((await client.workflows.update("manage", { description: "d" })).description, "d");
    assert.equal((await client.workflows.get(wf.id)).latest_version, 2);
    assert.ok((await client.workflows.list()).some((w) => w.id === wf.id));

    const hook = await client.workflows.webhook.setConfig("manage", { allowed_methods: ["post"] });
    assert.deepEqual(hook.allowed_methods, ["POST"]);
    const cron = await client.workflows.cron.setConfig("manage", { expression: "0 9 * * *", timezone: "UTC" });
    assert.equal(cron.expression, "0 9 * * *");
    assert.equal((await client.workflows.cron.occurrences("manage")).next_fire_times.length, 10);
    await client.workflows.cron.deleteConfig("manage");
    assert.equal((await client.workflows.retryPolicy.set("manage", { max_attempts: 2 })).max_attempts, 2);

    assert.equal((await client.workflows.archive("manage")).is_archived, true);
    assert.ok(!(await client.workflows.list()).some((w) => w.id === wf.id));
    assert.ok((await client.workflows.list({ include_archived: true })).some((w) => w.id === wf.id));
  });

  it("triggers a run and waits for its end through the event stream", async () => {
    await workflow("wait-ok", SET_GRAPH);
    const pending = await client.runs.trigger("wait-ok", { n: 1 });
    assert.equal(pending.status, "pending");
    const seen: RunEvent[] = [];
    const ended = await client.runs.trigger("wait-ok", { n: 7 }, { wait: 30_000, onEvent: (e) => seen.push(e) });
    assert.equal(ended.status, "succeeded");
    assert.deepEqual((ended.output_payload as { final_state: { steps: unknown } }).final_state.steps, { a: 7 });
    assert.deepEqual(
      seen.map((e) => e.type),
      ["status", "status", "step", "status", "end"],
    );
    assert.equal((await client.runs.wait(pending.id, { timeoutMs: 30_000 })).status, "succeeded");
    const steps = await client.runs.steps(pending.id);
    assert.deepEqual(
      steps.map((s) => [s.node_id, s.status, s.output]),
      [["a", "succeeded", 1]],
    );
    assert.equal((await client.runs.history(pending.id)).status, "completed");
  });

  it("iterates over a run's events in order and ends after end", async () => {
    await workflow("events", SIGNAL_GRAPH);
    const run = await client.runs.trigger("events", { n: 3 });
    const events: RunEvent[] = [];
    for await (const event of client.runs.events(run.id)) {
      events.push(event);
      if (event.type === "status" && event.data.status === "waiting") {
        await client.runs.signal(run.id, "go", { answer: 42 });
      }
    }
    const summary = events.map((e) =>
      e.type === "status" ? e.data.status : e.type === "step" ? `step ${e.data.node_id}` : e.type,
    );
    assert.deepEqual(summary, [
      "pending",
      "running",
      "log",
      "step hello",
      "waiting",
      "step gate",
      "running",
      "step done",
      "succeeded",
      "end",
    ]);
    const log = events.find((e) => e.type === "log");
    assert.equal(log?.type === "log" && log.data.message, "hello 3");
    const end = events.at(-1);
    assert.equal(end?.type === "end" && end.data.status, "succeeded");
  });

  it("lists runs page by page with the cursor", async () => {
    await workflow("pages", SET_GRAPH);
    const triggered = [];
    for (let n = 0; n < 5; n++) triggered.push(await client.runs.trigger("pages", { n }));
    const pages = [];
    for await (const page of client.runs.list({ workflow: "pages", limit: 2 })) pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.runs.length),
      [2, 2, 1],
    );
    assert.equal(pages.at(-1)?.next_cursor, null);
    assert.deepEqual(pages.flatMap((p) => p.runs.map((r) => r.id)).sort(), triggered.map((r) => r.id).sort());
    const found = await client.runs.page({ q: "n=3", workflow: "pages" });
    assert.deepEqual(
      found.runs.map((r) => r.input_payload),
      [{ n: 3 }],
    );
  });

  it("cancels a waiting run and retries it", async () => {
    await workflow("cancel", SIGNAL_GRAPH);
    const run = await client.runs.trigger("cancel", { n: 1 });
    for await (const event of client.runs.events(run.id)) {
      if (event.type === "status" && event.data.status === "waiting") break;
    }
    const cancelled = await client.runs.cancel(run.id, { reason: "not needed" });
    assert.equal(cancelled.status, "cancelled");
    assert.equal(cancelled.error, "not needed");
    const retried = await client.runs.retry(run.id);
    assert.equal(retried.retry_of, run.id);
    assert.equal((await client.runs.get(retried.id)).status === "cancelled", false);
    await client.runs.cancel(retried.id);
  });
});
