import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { nextAttemptAt, retryDelayMs } from "./retry-schedule";

const HOUR = 3_600_000;
const first = new Date("2026-12-03T00:00:00Z");

describe("the delivery retry schedule", () => {
  it("waits 5 s, 15 s, 1 min, 5 min, 30 min, 2 h, then every 4 h", () => {
    assert.deepEqual(
      Array.from({ length: 9 }, (_, step) => retryDelayMs(step)),
      [5_000, 15_000, 60_000, 300_000, 1_800_000, 7_200_000, 4 * HOUR, 4 * HOUR, 4 * HOUR],
    );
  });

  it("applies ±10% jitter", () => {
    const at = (random: number) => nextAttemptAt({ step: 0, firstAttemptAt: first, now: first, random: () => random });
    assert.equal(at(0)!.getTime() - first.getTime(), 4_500);
    assert.equal(at(0.5)!.getTime() - first.getTime(), 5_000);
    assert.ok(at(0.999_999)!.getTime() - first.getTime() < 5_500);
  });

  it("schedules attempts until 24 h after the first, then gives up (the delivery fails)", () => {
    let now = first;
    const attempts = [first];
    for (let step = 0; ; step++) {
      const next = nextAttemptAt({ step, firstAttemptAt: first, now, random: () => 0.5 });
      if (next === null) break;
      attempts.push(next);
      now = next;
    }
    // 0, 5 s, 20 s, 80 s, 380 s, 2180 s, 9380 s (2.6 h), then 4 h apart: 6.6, 10.6, 14.6, 18.6, 22.6 h.
    assert.equal(attempts.length, 12);
    assert.ok(attempts.at(-1)!.getTime() - first.getTime() <= 24 * HOUR);
    assert.equal(Math.round((attempts[6]!.getTime() - first.getTime()) / 1_000), 9_380);
  });

  it("scales delays and the window together (SUBSCRIPTION_RETRY_SCALE)", () => {
    const next = nextAttemptAt({ step: 0, firstAttemptAt: first, now: first, scale: 0.001, random: () => 0.5 });
    assert.equal(next!.getTime() - first.getTime(), 5);
    const late = new Date(first.getTime() + 86_000);
    assert.equal(nextAttemptAt({ step: 8, firstAttemptAt: first, now: late, scale: 0.001, random: () => 0.5 }), null);
  });
});
