import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createReconciler } from "@switchyard/core/beat/reconcile-runs";
import { bullQueueName } from "@switchyard/core/jobs/run-route";
import { runJobId } from "@switchyard/core/jobs/catalog";
import { createTestWorkflow } from "@switchyard/core/testing/run-fixtures";
import { eventually, startWorker, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { metricValue } from "@switchyard/core/testing/scrape-metrics";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("queues and priority (routing)", () => {
  let api: TestApi;
  const workers: ServiceProcess[] = [];
  const routing = "/api/workflows/routed/routing";
  before(async () => {
    api = await startTestApi();
    await createTestWorkflow(api.deps.db, { name: "Routed", handle: "routed" }, GRAPH);
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api.close();
  });

  it("answers the default routing, stores a new one and puts the defaults back for an empty body", async () => {
    assert.deepEqual((await api.request("GET", routing)).body, { queue: "default", priority: 5 });
    const put = await api.request("PUT", routing, { body: { queue: "reports_2-b", priority: 1 } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { queue: "reports_2-b", priority: 1 });
    assert.deepEqual((await api.request("GET", routing)).body, put.body);
    assert.deepEqual((await api.request("PUT", routing, { body: { priority: 9 } })).body, {
      queue: "default",
      priority: 9,
    });
    assert.deepEqual((await api.request("PUT", routing, { body: {} })).body, { queue: "default", priority: 5 });
    assert.equal((await api.request("GET", "/api/workflows/nope/routing")).status, 404);
  });

  it("refuses a bad queue or priority with 422 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ queue: "has space" }, "queue"],
      [{ queue: "Upper" }, "queue"],
      [{ queue: "a:b" }, "queue"],
      [{ queue: "" }, "queue"],
      [{ queue: "x".repeat(65) }, "queue"],
      [{ priority: 11 }, "priority"],
      [{ priority: 0 }, "priority"],
      [{ priority: 1.5 }, "priority"],
      [{ priority: "1" }, "priority"],
      [{ lane: "x" }, "lane"],
    ];
    for (const [body, field] of cases) {
      const res = await api.request("PUT", routing, { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      const locs = (res.body.detail as { loc: unknown[] }[]).map((d) => d.loc.join("."));
      assert.ok(
        locs.some((l) => l === `body.${field}` || l === "body"),
        `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`,
      );
      assert.ok(JSON.stringify(res.body).includes(field), `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
  });

  it("gives a run its workflow's queue and priority, or the priority its dispatch names", async () => {
    await api.request("PUT", routing, { body: { queue: "lane-a", priority: 7 } });
    const dispatch = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: {
        workflow_id: "routed",
        runs: [{ input_payload: { n: 1 } }, { input_payload: { n: 2 }, priority: 2 }],
      },
    });
    assert.equal(dispatch.status, 200, JSON.stringify(dispatch.body));
    assert.deepEqual(
      dispatch.body.map((r: { queue: string; priority: number }) => [r.queue, r.priority]),
      [
        ["lane-a", 7],
        ["lane-a", 2],
      ],
    );
    // The run JSON of a page (Postgres-built) and of one run agree.
    const one = await api.request("GET", `/api/runs/${dispatch.body[1].id}`);
    assert.equal(one.body.queue, "lane-a");
    assert.equal(one.body.priority, 2);
    const page = await api.request("GET", "/api/workflows/routed/runs");
    assert.ok(
      page.body.some((r: { id: string; priority: number }) => r.id === dispatch.body[1].id && r.priority === 2),
    );
    // The jobs are on lane-a's BullMQ queue, with the runs' priorities.
    const lane = api.deps.queues.runQueue("lane-a");
    assert.equal(lane.name, bullQueueName("lane-a"));
    const job = await eventually(async () => (await lane.getJob(runJobId(dispatch.body[1].id))) ?? undefined);
    assert.equal(job.opts.priority, 2);

    const version = (await api.request("GET", "/api/workflows/routed/versions")).body[0].id as string;
    const created = await api.request("POST", "/api/workflows/routed/runs", {
      body: { workflow_version_id: version, triggered_by: "test", execute: true, priority: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.priority, 1);
    assert.equal(created.body.queue, "lane-a");

    for (const body of [
      { workflow_id: "routed", runs: [{ priority: 11 }] },
      { workflow_id: "routed", runs: [{ priority: 0 }] },
      { workflow_id: "routed", runs: [{ priority: 1.5 }] },
      { workflow_id: "routed", priority: 11, runs: [{}] },
    ]) {
      const res = await api.request("POST", "/api/triggers/manual/dispatch", { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(JSON.stringify(res.body).includes("priority"), JSON.stringify(res.body));
    }
    const bad = await api.request("POST", "/api/workflows/routed/runs", {
      body: { workflow_version_id: version, triggered_by: "test", execute: true, priority: 11 },
    });
    assert.equal(bad.status, 422);
    assert.ok(JSON.stringify(bad.body).includes("priority"));
    await api.request("PUT", routing, { body: {} });
  });

  it("keeps a run on a queue nobody consumes pending and flagged, and starts it once a worker consumes it", async () => {
    const { workflowId } = await createTestWorkflow(api.deps.db, { name: "Reports", handle: "reports-wf" }, GRAPH);
    await api.request("PUT", "/api/workflows/reports-wf/routing", { body: { queue: "reports" } });
    // A worker of the default queue only: the reports run is not its to take.
    workers.push(await startWorker(api.deps.env));
    const [run] = (
      await api.request("POST", "/api/triggers/manual/dispatch", { body: { workflow_id: workflowId, runs: [{}] } })
    ).body as { id: string; queue: string }[];
    assert.equal(run!.queue, "reports");
    // A default-queue run dispatched after it finishes, so the default worker was there to take the reports one.
    const [other] = (
      await api.request("POST", "/api/triggers/manual/dispatch", { body: { workflow_id: "routed", runs: [{}] } })
    ).body as { id: string }[];
    await eventually(async () =>
      (await api.request("GET", `/api/runs/${other!.id}`)).body.status === "succeeded" ? true : undefined,
    );

    const queues = await eventually(async () => {
      const res = await api.request("GET", "/api/system/queues");
      const reports = res.body.routing.find((q: { queue: string }) => q.queue === "reports");
      return reports?.backlog === 1 ? res.body.routing : undefined;
    });
    const byName = new Map(queues.map((q: { queue: string }) => [q.queue, q]));
    assert.deepEqual(byName.get("reports"), {
      queue: "reports",
      consumers: [],
      backlog: 1,
      delayed: 0,
      active: 0,
      no_consumer: true,
    });
    const lane = byName.get("default") as { consumers: string[]; no_consumer: boolean };
    assert.equal(lane.consumers.length, 1);
    assert.equal(lane.no_consumer, false);
    // Every workflow's queue is known, backlog or not.
    assert.ok(byName.has("lane-a"));
    const workersRes = await api.request("GET", "/api/system/workers");
    assert.deepEqual(workersRes.body.workers[0].queues, ["default"]);

    const metrics = await api.deps.metrics.registry.metrics();
    assert.equal(metricValue(metrics, "switchyard_queue_backlog", { queue: "reports" }), 1);
    assert.equal(metricValue(metrics, "switchyard_queue_consumers", { queue: "reports" }), 0);
    assert.equal(metricValue(metrics, "switchyard_queue_unconsumed", { queue: "reports" }), 1);
    assert.equal(metricValue(metrics, "switchyard_queue_consumers", { queue: "default" }), 1);

    // The reconciler finds its job where it is (on its queue) and neither drops it nor adds another.
    const reconciler = createReconciler(api.deps, { afterSeconds: 0 });
    assert.deepEqual(await reconciler.reconcile(new Date(Date.now() + 1_000)), []);
    assert.equal((await api.request("GET", `/api/runs/${run!.id}`)).body.status, "pending");
    // Its job lost (a Redis flush): the reconciler puts it back on its own queue.
    await (await api.deps.queues.runQueue("reports").getJob(runJobId(run!.id)))!.remove();
    assert.deepEqual(await reconciler.reconcile(new Date(Date.now() + 1_000)), [run!.id]);
    assert.ok(await api.deps.queues.runQueue("reports").getJob(runJobId(run!.id)));
    assert.equal(await api.deps.queues.runs.getJob(runJobId(run!.id)), undefined);

    workers.push(await startWorker({ ...api.deps.env, WORKER_QUEUES: "reports" }));
    await eventually(async () =>
      (await api.request("GET", `/api/runs/${run!.id}`)).body.status === "succeeded" ? true : undefined,
    );
    const after = await eventually(async () => {
      const res = await api.request("GET", "/api/system/queues");
      const reports = res.body.routing.find((q: { queue: string }) => q.queue === "reports");
      return reports.consumers.length === 1 ? reports : undefined;
    });
    assert.equal(after.backlog, 0);
    assert.equal(after.no_consumer, false);
  });

  it("sends child runs to their own workflow's queue with its priority", async () => {
    const child = await createTestWorkflow(api.deps.db, { name: "Kid", handle: "kid-wf" }, GRAPH);
    await api.request("PUT", "/api/workflows/kid-wf/routing", { body: { queue: "kids", priority: 2 } });
    const parentGraph = {
      nodes: [{ id: "fan", type: "map", params: { items: "[1, 2]", workflow: "kid-wf" } }],
      edges: [],
    };
    await createTestWorkflow(api.deps.db, { name: "Parent", handle: "parent-wf" }, parentGraph);
    const [parent] = (
      await api.request("POST", "/api/triggers/manual/dispatch", { body: { workflow_id: "parent-wf", runs: [{}] } })
    ).body as { id: string }[];
    // The parent runs on the default queue; its children wait on kids, which nobody consumes yet.
    const children = await eventually(async () => {
      const rows = await api.deps.db.run.findMany({ where: { parentRunId: parent!.id } });
      return rows.length === 2 ? rows : undefined;
    });
    assert.deepEqual(
      children.map((c) => [c.workflowId, c.queue, c.priority, c.status]),
      children.map(() => [child.workflowId, "kids", 2, "pending"]),
    );
    for (const c of children) {
      const job = await api.deps.queues.runQueue("kids").getJob(runJobId(c.id));
      assert.equal(job?.opts.priority, 2);
    }
    workers.push(await startWorker({ ...api.deps.env, WORKER_QUEUES: "kids" }));
    await eventually(async () =>
      (await api.request("GET", `/api/runs/${parent!.id}`)).body.status === "succeeded" ? true : undefined,
    );
  });
});
