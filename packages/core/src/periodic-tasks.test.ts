import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "./logger";
import { startPeriodicTasks } from "./periodic-tasks";

const logger = createLogger("test", { LOG_LEVEL: "error", LOG_FORMAT: "json" });

/** Resolves once `count()` reaches `n`, checking after every call the task makes. */
function counter() {
  let n = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  return {
    hit: () => {
      n++;
      for (const w of waiters.filter((w) => w.at <= n)) w.resolve();
    },
    reached: (at: number) => new Promise<void>((resolve) => (n >= at ? resolve() : waiters.push({ at, resolve }))),
    count: () => n,
  };
}

describe("startPeriodicTasks", () => {
  it("runs each task at once and then again after its interval", async () => {
    const fast = counter();
    const slow = counter();
    const tasks = startPeriodicTasks(
      [
        { name: "fast", intervalMs: 5, run: async () => fast.hit() },
        { name: "slow", intervalMs: 60_000, run: async () => slow.hit() },
      ],
      logger,
    );
    await fast.reached(3);
    await tasks.stop();
    assert.equal(slow.count(), 1);
  });

  it("keeps running a task that fails", async () => {
    const calls = counter();
    const tasks = startPeriodicTasks(
      [
        {
          name: "flaky",
          intervalMs: 5,
          run: async () => {
            calls.hit();
            if (calls.count() % 2 === 1) throw new Error("redis down");
          },
        },
      ],
      logger,
    );
    await calls.reached(4);
    await tasks.stop();
  });

  it("never overlaps a run with itself and waits for the run in progress on stop", async () => {
    let active = 0;
    let maxActive = 0;
    let finished = 0;
    const started = counter();
    const tasks = startPeriodicTasks(
      [
        {
          name: "slow-run",
          intervalMs: 1,
          run: async () => {
            active++;
            maxActive = Math.max(maxActive, active);
            started.hit();
            await new Promise((r) => setTimeout(r, 20));
            active--;
            finished++;
          },
        },
      ],
      logger,
    );
    await started.reached(3);
    await tasks.stop();
    assert.equal(maxActive, 1);
    assert.equal(active, 0);
    assert.equal(finished, started.count());
  });
});
