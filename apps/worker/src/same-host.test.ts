import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createTestRun } from "@switchyard/core/testing/create-test-run";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";

// As `make worker` twice and `make beat` twice in four terminals: no METRICS_PORT or BEAT_METRICS_PORT set, so each
// pair asks for the same default port and all but the first listen on a free one instead of stopping.
const DEFAULT_PORTS = { METRICS_PORT: "", BEAT_METRICS_PORT: "", WORKER_ID: "" };

let deps: TestDeps;
let services: ServiceProcess[] = [];
before(async () => {
  deps = await createTestDeps();
});
after(async () => {
  await Promise.all(services.map((s) => s.stop("SIGKILL")));
  await deps.close();
});

test("two workers and two beats with default settings on one host all start, serve metrics and take runs", async () => {
  const env = { ...deps.env, ...DEFAULT_PORTS, LOG_LEVEL: "info", API_URL: "http://127.0.0.1:9" };
  const workers = [spawnService("worker", env), spawnService("worker", env)];
  const beats = [spawnService("beat", env), spawnService("beat", env)];
  services = [...workers, ...beats];
  await Promise.all(workers.map((w) => w.waitForLog((l) => l.message === "worker started", 60_000)));
  await Promise.all(beats.map((b) => b.waitForLog((l) => l.message === "beat started", 60_000)));

  const listening = await Promise.all(services.map((s) => s.waitForLog((l) => l.message === "metrics listening")));
  const ports = listening.map((l) => Number(l.port));
  assert.equal(new Set(ports).size, 4, `four distinct metrics ports: ${ports.join(", ")}`);
  for (const group of [workers, beats]) {
    const fellBack = group.filter((s) =>
      s.logs.some((l) => l.message === "metrics port taken, listening on a free port instead"),
    );
    assert.ok(fellBack.length >= 1, "the second of each pair fell back to a free port");
  }
  for (const port of ports) assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200);

  // The registry shows each worker with the port it got, and both workers execute runs.
  const registered = await eventually(async () => {
    const rows = await deps.db.worker.findMany();
    return rows.length === 2 ? rows : undefined;
  }, 30_000);
  assert.deepEqual(registered.map((w) => w.metricsPort).sort(), ports.slice(0, 2).sort());
  const graph = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
  const runIds: string[] = [];
  for (let i = 0; i < 20; i++) runIds.push((await createTestRun(deps.db, graph)).runId);
  await enqueueRuns(deps.queues, runIds);
  await eventually(async () => {
    const done = await deps.db.run.count({ where: { id: { in: runIds }, status: "succeeded" } });
    return done === runIds.length ? true : undefined;
  }, 60_000);
  assert.ok(services.every((s) => s.proc.exitCode === null));
});
