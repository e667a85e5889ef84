import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { randomUUID } from "node:crypto";
import winston from "winston";
import { createNodeRegistry } from "../engine/node-registry";
import { createGate, startTestServer, type TestServer } from "../engine/testing/start-test-server";
import { eventually } from "../testing/service-process";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createTestRun } from "../testing/create-test-run";
import { executeRun, type RunExecutionDeps } from "./execute-run";
import { getRunJson } from "./run-actions";
import { transitionRun } from "./transition-run";
import { createVersionCache } from "./version-cache";
import { findRun } from "./find-run";

describe("executeRun", () => {
  let deps: TestDeps;
  let server: TestServer;
  let execution: RunExecutionDeps;
  const logs: Record<string, unknown>[] = [];

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = winston.createLogger({
      level: "info",
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    execution = { db: deps.db, logger, versions: createVersionCache(deps.db, createNodeRegistry()) };
  });
  after(async () => {
    await server.close();
    await deps.close();
  });

  const createRun = async (graph: unknown, extra: { input?: unknown; runnableConfig?: unknown } = {}) => {
    const { runId } = await createTestRun(deps.db, graph, extra);
    return (await findRun(deps.db, runId))!;
  };
  const execute = (runId: string) => executeRun(execution, { runId, jobId: `run-${runId}` });
  const stepsOf = (runId: string) => deps.db.runStep.findMany({ where: { runId }, orderBy: { id: "asc" } });
  const actionsOf = async (runId: string) =>
    (await deps.db.runAuditEntry.findMany({ where: { runId }, orderBy: { id: "asc" } })).map(
      (a) => `${a.action}:${a.actor}`,
    );
  const http = (id: string, path: string) => ({ id, type: "http.request", params: { url: `${server.url}${path}` } });

  it("executes a pending run and records its steps and outcome", async () => {
    const run = await createRun(
      { nodes: [{ id: "a", type: "set", params: { value: "{{ input.n + 1 }}" } }], edges: [] },
      { input: { n: 1 } },
    );
    assert.equal(await execute(run.id), "succeeded");
    const row = await deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(row.status, "succeeded");
    assert.equal(row.attempt, 1);
    // Stored without the input (it is in input_payload); answered with it, as older releases stored it.
    assert.deepEqual(row.outputPayload, { final_state: { steps: { a: 2 } } });
    assert.deepEqual((await getRunJson(deps.db, run.id)).output_payload, {
      final_state: { input: { n: 1 }, steps: { a: 2 } },
    });
    assert.deepEqual(await actionsOf(run.id), ["run_created:test", "run_started:worker", "run_succeeded:worker"]);
    assert.equal(await execute(run.id), "skipped");
    assert.equal(await execute(randomUUID()), "skipped");
  });

  it("refuses to record the outcome once the run was taken over, and writes no steps for the lost attempt", async () => {
    const gate = createGate();
    server.route("/held", async () => {
      await gate.promise;
      return { body: { ok: true } };
    });
    const run = await createRun({ nodes: [http("call", "/held")], edges: [] });
    const result = execute(run.id);
    await eventually(async () => (server.requests.some((r) => r.path === "/held") ? true : undefined));
    // Another worker takes the run over: a new attempt.
    await deps.db.run.update({ where: { id: run.id }, data: { attempt: { increment: 1 } } });
    gate.open();
    assert.equal(await result, "refused");
    const row = await deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.deepEqual([row.status, row.attempt, row.outputPayload], ["running", 2, null]);
    assert.deepEqual(await stepsOf(run.id), []);
    assert.deepEqual(await actionsOf(run.id), ["run_created:test", "run_started:worker"]);
    const refused = logs.find((l) => l.message === "run outcome refused" && l.runId === run.id);
    assert.equal(refused?.reason, "run is running at attempt 2; this worker ran attempt 1");
  });

  it("writes a side-effect node's step before its successor starts", async () => {
    const gate = createGate();
    server.route("/first", () => ({ body: "one" }));
    server.route("/second", async () => {
      await gate.promise;
      return { body: "two" };
    });
    const run = await createRun({
      nodes: [http("first", "/first"), http("second", "/second")],
      edges: [{ from: "first", to: "second" }],
    });
    const result = execute(run.id);
    await eventually(async () => (server.requests.some((r) => r.path === "/second") ? true : undefined));
    assert.deepEqual(
      (await stepsOf(run.id)).map((s) => [s.nodeId, s.status]),
      [["first", "succeeded"]],
    );
    gate.open();
    assert.equal(await result, "succeeded");
    assert.deepEqual(
      (await stepsOf(run.id)).map((s) => s.nodeId),
      ["first", "second"],
    );
  });

  it("resumes a run from its checkpoints without repeating the nodes that succeeded", async () => {
    server.route("/once", (_req, n) => ({ body: { call: n } }));
    server.route("/flaky-run", (_req, n) => (n === 1 ? { status: 503, body: "down" } : { body: "up" }));
    const run = await createRun({
      nodes: [
        http("once", "/once"),
        http("flaky", "/flaky-run"),
        { id: "sum", type: "set", params: { value: "{{ steps.once.body.call }}" } },
      ],
      edges: [
        { from: "once", to: "flaky" },
        { from: "flaky", to: "sum" },
      ],
    });
    assert.equal(await execute(run.id), "failed");
    const failed = await deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.match(failed.error ?? "", /^flaky: unexpected status 503 from GET /);
    // A run-level retry puts the run back to pending; the next attempt starts from the checkpoint.
    await deps.db.run.update({ where: { id: run.id }, data: { status: "pending" } });
    assert.equal(await execute(run.id), "succeeded");
    const row = await deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(row.attempt, 2);
    assert.equal(server.requests.filter((r) => r.path === "/once").length, 1);
    assert.deepEqual(
      (row.outputPayload as { final_state: { steps: Record<string, unknown> } }).final_state.steps.sum,
      1,
    );
    assert.deepEqual(
      (await stepsOf(run.id)).map((s) => [s.nodeId, s.attempt, s.status]),
      [
        ["once", 1, "succeeded"],
        ["flaky", 1, "failed"],
        ["flaky", 2, "succeeded"],
        ["sum", 2, "succeeded"],
      ],
    );
  });

  it("fails a run whose version's graph does not validate, naming the node", async () => {
    const run = await createRun({ nodes: [{ id: "x", type: "nope" }], edges: [] });
    assert.equal(await execute(run.id), "failed");
    const row = await deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(row.error, "node 'x': unknown node type 'nope'");
  });

  it("fails a run that outlives runnable_config.timeout_seconds", async () => {
    const gate = createGate();
    server.route("/slow", async () => {
      await gate.promise;
      return { body: "late" };
    });
    const run = await createRun(
      { nodes: [http("slow", "/slow")], edges: [] },
      { runnableConfig: { timeout_seconds: 0.2 } },
    );
    assert.equal(await execute(run.id), "failed");
    gate.open();
    const row = await deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(row.error, "Run timed out after 0.2 seconds");
    assert.deepEqual(
      (await stepsOf(run.id)).map((s) => [s.nodeId, s.status, s.error]),
      [["slow", "failed", "Run timed out after 0.2 seconds"]],
    );
  });

  it("hands a run back to pending when recording fails, and rethrows", async () => {
    const run = await createRun({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] });
    const broken: RunExecutionDeps = {
      ...execution,
      versions: { load: () => Promise.reject(new Error("connection refused")) },
    };
    await assert.rejects(executeRun(broken, { runId: run.id, jobId: "j" }), /connection refused/);
    const row = await deps.db.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.deepEqual([row.status, row.attempt], ["pending", 1]);
    assert.deepEqual(await actionsOf(run.id), ["run_created:test", "run_started:worker", "run_requeued:worker"]);
    assert.equal(await execute(run.id), "succeeded");
    assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id: run.id } })).attempt, 2);
  });

  it("leaves a cancelled run cancelled", async () => {
    const run = await createRun({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] });
    await transitionRun(deps.db, { runId: run.id, to: "cancelled", actor: "test", action: "run_cancelled" });
    assert.equal(await execute(run.id), "skipped");
    assert.equal(logs.find((l) => l.runId === run.id)?.message, "run already in status cancelled, skipping");
  });
});
