import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { createLogger } from "../logger";
import { createGraphPlan } from "./create-graph-plan";
import { executeGraph, type ExecuteGraphOptions, type StepRecord } from "./execute-graph";
import { DEFAULT_ENGINE_LIMITS } from "./engine-limits";
import { createNodeRegistry } from "./node-registry";
import { defineNodeType, NodeError } from "./node-type";

const logger = createLogger("test", { LOG_LEVEL: "error", LOG_FORMAT: "json" });

/** A node type the tests steer: its behaviour is a function looked up by name. */
const behaviours = new Map<string, (signal: AbortSignal) => Promise<unknown>>();
const probeNode = defineNodeType({
  type: "probe",
  params: z.strictObject({ name: z.string() }),
  sideEffects: true,
  run: (params, _ctx, signal) => behaviours.get(params.name)!(signal),
});
const registry = createNodeRegistry({ plugins: [probeNode] });

type Node = { id: string; type: string; params?: Record<string, unknown> } & Record<string, unknown>;
type Edge = { from: string; to: string; when?: string };

async function run(nodes: Node[], edges: Edge[] = [], extra: Partial<ExecuteGraphOptions> = {}) {
  const recorded: StepRecord[] = [];
  const outcome = await executeGraph({
    plan: createGraphPlan({ nodes, edges }, registry),
    input: { n: 5 },
    run: { id: "run-1", workflow_id: "wf-1", triggered_by: "test", attempt: 1, scheduled_for: null },
    maxParallel: 4,
    logger,
    onStep: async (step) => void recorded.push(step),
    ...extra,
  });
  return { outcome, recorded, statuses: Object.fromEntries(recorded.map((s) => [s.nodeId, s.status])) };
}

const set = (id: string, value: unknown): Node => ({ id, type: "set", params: { value } });
const probe = (id: string, name = id, extra: Record<string, unknown> = {}): Node => ({
  id,
  type: "probe",
  params: { name },
  ...extra,
});

describe("executeGraph", () => {
  it("runs nodes in dependency order and passes outputs through the context", async () => {
    const { outcome, recorded } = await run(
      [
        set("c", "{{ steps.b + 1 }}"),
        { id: "b", type: "transform", params: { expression: "steps.a * 2" } },
        set("a", "{{ input.n }}"),
      ],
      [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
      ],
    );
    assert.deepEqual(outcome, { status: "succeeded", steps: { a: 5, b: 10, c: 11 } });
    assert.deepEqual(
      recorded.map((s) => s.nodeId),
      ["a", "b", "c"],
    );
    assert.ok(recorded.every((s) => s.status === "succeeded" && s.error === null && s.finishedAt >= s.startedAt));
  });

  it("skips a node none of whose incoming edges holds and propagates the skip", async () => {
    const { outcome, statuses } = await run(
      [
        set("a", "{{ input.n }}"),
        set("big", "big"),
        set("small", "small"),
        set("after_big", 1),
        set("join", "{{ steps.small }}"),
      ],
      [
        { from: "a", to: "big", when: "steps.a > 10" },
        { from: "a", to: "small", when: "steps.a <= 10" },
        { from: "big", to: "after_big" },
        { from: "big", to: "join" },
        { from: "small", to: "join" },
      ],
    );
    assert.deepEqual(statuses, {
      a: "succeeded",
      big: "skipped",
      small: "succeeded",
      after_big: "skipped",
      join: "succeeded",
    });
    assert.deepEqual(outcome, { status: "succeeded", steps: { a: 5, small: "small", join: "small" } });
  });

  it("reads when with JSONata truthiness and fails the node when it cannot be evaluated", async () => {
    const { statuses } = await run(
      [set("a", []), set("empty", 1), set("text", 1)],
      [
        { from: "a", to: "empty", when: "steps.a" },
        { from: "a", to: "text", when: "'yes'" },
      ],
    );
    assert.deepEqual(statuses, { a: "succeeded", empty: "skipped", text: "succeeded" });
    const broken = await run([set("a", 1), set("b", 2)], [{ from: "a", to: "b", when: "$nothing()" }]);
    assert.equal(broken.outcome.status, "failed");
    assert.deepEqual(broken.outcome.status === "failed" && [broken.outcome.nodeId, broken.outcome.error], [
      "b",
      "when: Attempted to invoke a non-function",
    ]);
  });

  it("runs ready nodes concurrently, at most max_parallel at once", async () => {
    let current = 0;
    let max = 0;
    const tick = () => new Promise<void>((r) => setImmediate(r));
    for (const name of ["p1", "p2", "p3", "p4"]) {
      behaviours.set(name, async () => {
        current++;
        max = Math.max(max, current);
        // Wait for a partner, then yield once more: every node allowed to start has started by then.
        while (current < 2) await tick();
        await tick();
        current--;
        return name;
      });
    }
    const { outcome, recorded } = await run(
      [set("root", 1), probe("p1"), probe("p2"), probe("p3"), probe("p4")],
      ["p1", "p2", "p3", "p4"].map((to) => ({ from: "root", to })),
      { maxParallel: 2 },
    );
    assert.equal(outcome.status, "succeeded");
    assert.equal(max, 2);
    assert.deepEqual(recorded.map((s) => s.nodeId).sort(), ["p1", "p2", "p3", "p4", "root"]);
  });

  it("starts ready nodes in the graph's node order", async () => {
    const { recorded } = await run([set("z", 1), set("y", 2), set("x", 3)], [], { maxParallel: 1 });
    assert.deepEqual(
      recorded.map((s) => s.nodeId),
      ["z", "y", "x"],
    );
  });

  it("retries a failing node with exponential backoff and records one step", async () => {
    const calls: number[] = [];
    behaviours.set("flaky", async () => {
      calls.push(performance.now());
      if (calls.length < 3) throw new NodeError(`try ${calls.length} failed`);
      return "ok";
    });
    const retry = { max_attempts: 3, initial_delay_seconds: 0.02, backoff_factor: 2, jitter_factor: 0 };
    const { outcome, recorded } = await run([probe("f", "flaky", { retry })]);
    assert.deepEqual(outcome, { status: "succeeded", steps: { f: "ok" } });
    assert.equal(calls.length, 3);
    // Timers never fire early by more than clock rounding.
    assert.ok(calls[1]! - calls[0]! >= 19, `first delay ${calls[1]! - calls[0]!}`);
    assert.ok(calls[2]! - calls[1]! >= 39, `second delay ${calls[2]! - calls[1]!}`);
    assert.equal(recorded.length, 1);
  });

  it("fails the run at a failing node, naming it, and starts nothing after it", async () => {
    const retry = { max_attempts: 2, initial_delay_seconds: 0, jitter_factor: 0 };
    const { outcome, statuses, recorded } = await run(
      [
        set("a", 1),
        { id: "boom", type: "fail", params: { message: "{{ 'bad ' & steps.a }}" }, retry },
        set("after", 2),
      ],
      [
        { from: "a", to: "boom" },
        { from: "boom", to: "after" },
      ],
    );
    assert.deepEqual(outcome, { status: "failed", nodeId: "boom", error: "bad 1", steps: { a: 1 } });
    assert.deepEqual(statuses, { a: "succeeded", boom: "failed" });
    assert.equal(recorded[1]?.error, "bad 1");
  });

  it("gives a failed node with continue_on_error an {error} output and goes on", async () => {
    const { outcome, statuses } = await run(
      [
        { id: "boom", type: "fail", params: { message: "nope" }, continue_on_error: true },
        set("after", "saw {{ steps.boom.error }}"),
      ],
      [{ from: "boom", to: "after" }],
    );
    assert.deepEqual(outcome, { status: "succeeded", steps: { boom: { error: "nope" }, after: "saw nope" } });
    assert.deepEqual(statuses, { boom: "failed", after: "succeeded" });
  });

  it("aborts the nodes in flight when another node fails", async () => {
    let started!: () => void;
    const waiting = new Promise<void>((r) => (started = r));
    behaviours.set("hang", (signal) => {
      started();
      return new Promise((_resolve, reject) =>
        signal.addEventListener("abort", () => reject(new Error("aborted by the run"))),
      );
    });
    behaviours.set("fail-later", async () => {
      await waiting;
      throw new NodeError("broke");
    });
    const { outcome, statuses } = await run([probe("slow", "hang"), probe("bad", "fail-later")]);
    assert.deepEqual(outcome.status === "failed" && [outcome.nodeId, outcome.error], ["bad", "broke"]);
    assert.deepEqual(statuses, { bad: "failed", slow: "failed" });
  });

  it("reuses checkpoint outputs instead of executing those nodes again", async () => {
    let calls = 0;
    behaviours.set("counted", async () => ++calls);
    const { outcome, recorded } = await run(
      [probe("a", "counted"), set("b", "{{ steps.a * 10 }}")],
      [{ from: "a", to: "b" }],
      {
        checkpoints: new Map([["a", 7]]),
      },
    );
    assert.equal(calls, 0);
    assert.deepEqual(outcome, { status: "succeeded", steps: { a: 7, b: 70 } });
    assert.deepEqual(
      recorded.map((s) => s.nodeId),
      ["b"],
    );
  });

  it("starts a node's successors only after its step is recorded", async () => {
    const events: string[] = [];
    behaviours.set("first", async () => void events.push("first ran"));
    behaviours.set("second", async () => void events.push("second ran"));
    await run([probe("a", "first"), probe("b", "second")], [{ from: "a", to: "b" }], {
      onStep: async (step) => {
        await new Promise((r) => setTimeout(r, 5));
        events.push(`${step.nodeId} recorded`);
      },
    });
    assert.deepEqual(events, ["first ran", "a recorded", "second ran", "b recorded"]);
  });

  it("fails a node that outlives its timeout_seconds, even one that ignores its signal", async () => {
    behaviours.set("deaf", () => new Promise(() => {}));
    const { outcome } = await run([probe("d", "deaf", { timeout_seconds: 0.05 })]);
    assert.deepEqual(outcome.status === "failed" && [outcome.nodeId, outcome.error], [
      "d",
      "timed out after 0.05 seconds",
    ]);
  });

  it("fails the run with the reason when its signal aborts", async () => {
    behaviours.set("forever", () => new Promise(() => {}));
    const controller = new AbortController();
    const pending = run([probe("f", "forever")], [], { signal: controller.signal });
    setImmediate(() => controller.abort(new Error("Run timed out after 1 seconds")));
    const { outcome, statuses } = await pending;
    assert.deepEqual(outcome, { status: "failed", nodeId: null, error: "Run timed out after 1 seconds", steps: {} });
    assert.deepEqual(statuses, { f: "failed" });
  });

  it("rejects with the error of a step that cannot be recorded", async () => {
    await assert.rejects(
      run([set("a", 1), set("b", 2)], [{ from: "a", to: "b" }], {
        onStep: async () => {
          throw new Error("database unreachable");
        },
      }),
      /database unreachable/,
    );
  });

  it("fails a node whose rendered params do not match its schema", async () => {
    const { outcome } = await run([{ id: "h", type: "http.request", params: { url: "{{ input.n }}" } }]);
    assert.equal(outcome.status, "failed");
    assert.match(outcome.status === "failed" ? outcome.error : "", /^invalid params: url: /);
  });

  it("writes a log node's message to the step log", async () => {
    const { recorded } = await run([
      { id: "l", type: "log", params: { message: "n is {{ input.n }}", level: "warn" } },
    ]);
    assert.deepEqual(recorded[0]?.log, { level: "warn", message: "n is 5" });
    assert.equal(recorded[0]?.output, null);
  });
  it("fails a node whose output passes NODE_MAX_OUTPUT_BYTES, with continue_on_error as for any failure", async () => {
    const limits = { ...DEFAULT_ENGINE_LIMITS, nodeMaxOutputBytes: 100 };
    const big = "x".repeat(200);
    const failed = await run([set("big", big), set("after", 1)], [{ from: "big", to: "after" }], { limits });
    assert.deepEqual(failed.outcome, {
      status: "failed",
      nodeId: "big",
      error: "output exceeds NODE_MAX_OUTPUT_BYTES (100 bytes)",
      steps: {},
    });
    const continued = await run(
      [{ ...set("big", big), continue_on_error: true }, set("after", 1)],
      [{ from: "big", to: "after" }],
      {
        limits,
      },
    );
    assert.equal(continued.outcome.status, "succeeded");
    assert.deepEqual(continued.statuses, { big: "failed", after: "succeeded" });
  });

  it("fails the run once its outputs together pass RUN_MAX_STATE_BYTES", async () => {
    const limits = { ...DEFAULT_ENGINE_LIMITS, runMaxStateBytes: 250 };
    const value = "x".repeat(100);
    const { outcome, statuses } = await run(
      [set("a", value), set("b", value), set("c", value)],
      [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
      ],
      { limits },
    );
    assert.equal(outcome.status, "failed");
    assert.deepEqual(outcome.status === "failed" && [outcome.nodeId, outcome.error], [
      "c",
      "outputs exceed RUN_MAX_STATE_BYTES (250 bytes) together",
    ]);
    assert.deepEqual(statuses, { a: "succeeded", b: "succeeded", c: "failed" });
  });
});
