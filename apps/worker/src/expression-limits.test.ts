import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

const WORKER_ID = "expression-limits";
const ENV = {
  RUN_LEASE_SECONDS: "4",
  RUN_LEASE_HEARTBEAT_SECONDS: "1",
  EXPRESSION_TIMEOUT_MS: "5000",
  WORKER_CONCURRENCY: "20",
  WORKER_ID,
  LOG_LEVEL: "info",
};

const transform = (expression: string) => ({ nodes: [{ id: "t", type: "transform", params: { expression } }] });
const RECURSE = "($f := function($x){ $f($x) }; $f(1))";

/** Hostile expressions, each with the error its node must record. */
const HOSTILE: { name: string; graph: unknown; error: RegExp }[] = [
  {
    name: "endless recursion",
    graph: transform(RECURSE),
    error: /^expression exceeded EXPRESSION_TIMEOUT_MS \(5000 ms\)$/,
  },
  {
    name: "deep recursion",
    graph: transform("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))"),
    error: /^expression nested deeper than EXPRESSION_MAX_DEPTH \(1000\)$/,
  },
  {
    name: "50-million range",
    graph: transform("[1..50000000]"),
    error: /^expression built more than EXPRESSION_MAX_BUILD/,
  },
  {
    name: "1e7 range mapped to strings",
    graph: transform("$count([1..10000000].($string($) & '-padding-padding-padding'))"),
    error: /^expression built more than EXPRESSION_MAX_BUILD \(10000000\) elements$/,
  },
  {
    name: "a million 10,000-character strings",
    graph: transform("$count([1..1000].([1..1000].$pad($string($), 10000)))"),
    error: /^expression built more than EXPRESSION_MAX_BUILD \(10000000\) elements$/,
  },
  { name: "$pad", graph: transform("$pad('', 500000000, 'ab')"), error: /EXPRESSION_MAX_BUILD/ },
  { name: "$join", graph: transform("$join([1..1000].$string(), $pad('', 1000000))"), error: /EXPRESSION_MAX_BUILD/ },
  {
    name: "$replace",
    graph: transform("$replace($pad('', 100000, 'a'), 'a', $pad('', 100000, 'b'))"),
    error: /EXPRESSION_MAX_BUILD/,
  },
  {
    name: "a shared structure that doubles",
    graph: transform("$reduce([1..60], function($acc, $v){ [[$acc], [$acc]] }, 'x') ~> $string()"),
    error: /EXPRESSION_MAX_BUILD/,
  },
  {
    name: "a template",
    graph: { nodes: [{ id: "t", type: "set", params: { value: { x: `{{ ${RECURSE} }}` } } }] },
    error: /^expression exceeded EXPRESSION_TIMEOUT_MS/,
  },
  {
    name: "an output past NODE_MAX_OUTPUT_BYTES",
    graph: transform("$pad('', 5000000, 'x')"),
    error: /^output exceeds NODE_MAX_OUTPUT_BYTES \(4194304 bytes\)$/,
  },
];

/** A worker process executing hostile expressions: each fails its node naming the budget, and nothing else stops. */
describe("expression limits on a worker", () => {
  let deps: TestDeps;
  let worker: ServiceProcess;

  before(async () => {
    deps = await createTestDeps();
    worker = spawnService("worker", { ...deps.env, ...ENV });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await worker.stop();
    await deps.close();
  });

  it("fails each hostile node with its budget's name while other runs complete and the heartbeat goes on", async () => {
    const hostile = await Promise.all(HOSTILE.map(async (h) => ({ ...h, ...(await createTestRun(deps.db, h.graph)) })));
    const whenGraph = {
      nodes: [
        { id: "a", type: "set", params: { value: 1 } },
        { id: "b", type: "set", params: { value: 2 } },
      ],
      edges: [{ from: "a", to: "b", when: "$count([1..10000000].($string($) & '-padding-padding')) > 0" }],
    };
    const when = await createTestRun(deps.db, whenGraph);
    await enqueueRuns(deps.queues, [...hostile.map((h) => h.runId), when.runId]);

    const endless = hostile[0]!.runId;
    const heartbeats = new Set<number>();
    const sampleHeartbeat = async () => {
      const row = await deps.db.worker.findUnique({ where: { id: WORKER_ID } });
      if (row !== null) heartbeats.add(row.lastHeartbeatAt.getTime());
    };
    // Once the endless recursion runs, quick runs go through the same worker meanwhile.
    await eventually(async () => {
      await sampleHeartbeat();
      return (await deps.db.run.findUniqueOrThrow({ where: { id: endless } })).status === "running" ? true : undefined;
    });
    const quick = await Promise.all(
      [1, 2, 3].map(() =>
        createTestRun(deps.db, { nodes: [{ id: "q", type: "set", params: { value: "{{ run.attempt }}" } }] }),
      ),
    );
    await enqueueRuns(
      deps.queues,
      quick.map((q) => q.runId),
    );
    const quickFinished = await Promise.all(
      quick.map(async (q) => {
        const done = await waitForOutcome(deps.db, q.runId);
        assert.equal(done.run.status, "succeeded");
        return done.run.completedAt!;
      }),
    );
    // The heartbeat keeps beating all along.
    for (;;) {
      await sampleHeartbeat();
      const run = await deps.db.run.findUniqueOrThrow({ where: { id: endless } });
      if (run.status !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const endlessRun = await waitForOutcome(deps.db, endless);
    for (const at of quickFinished) assert.ok(at < endlessRun.run.completedAt!, "a quick run finished before it");
    // The heartbeat (every second) advanced during the ~5 s evaluation, never missing a lease's length.
    const beats = [...heartbeats].sort((a, b) => a - b);
    assert.ok(beats.length >= 3, `heartbeats seen: ${beats.length}`);
    for (let i = 1; i < beats.length; i++)
      assert.ok(
        beats[i]! - beats[i - 1]! < 4_000,
        `heartbeat gap: ${beats.map((b, j) => b - (beats[j - 1] ?? b)).join(",")}`,
      );

    for (const h of hostile) {
      const { run, steps, audit } = await waitForOutcome(deps.db, h.runId, 30_000);
      assert.equal(run.status, "failed", h.name);
      assert.match(steps[0]?.error ?? "", h.error, h.name);
      assert.deepEqual(
        audit.map((a) => a.action),
        ["run_created", "run_started", "run_failed"],
        `${h.name}: started once, never taken over`,
      );
    }
    const whenRun = await waitForOutcome(deps.db, when.runId);
    assert.equal(whenRun.run.status, "failed");
    assert.equal(whenRun.run.error, "b: when: expression built more than EXPRESSION_MAX_BUILD (10000000) elements");
    assert.equal(worker.proc.exitCode, null, "the worker is still up");
  });
});
