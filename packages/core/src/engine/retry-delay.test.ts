import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { NodeRetry } from "./graph";
import { retryDelayMs } from "./retry-delay";

describe("retryDelayMs", () => {
  const retry = NodeRetry.parse({
    max_attempts: 10,
    initial_delay_seconds: 1,
    backoff_factor: 2,
    max_delay_seconds: 5,
    jitter_factor: 0,
  });

  it("grows exponentially from the initial delay up to the cap", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => retryDelayMs(retry, a)),
      [1_000, 2_000, 4_000, 5_000, 5_000],
    );
  });

  it("spreads the delay by at most the jitter factor either way", () => {
    const jittered = { ...retry, jitter_factor: 0.1 };
    assert.equal(
      retryDelayMs(jittered, 1, () => 0),
      900,
    );
    assert.equal(
      retryDelayMs(jittered, 1, () => 0.5),
      1_000,
    );
    assert.equal(
      retryDelayMs(jittered, 1, () => 0.999999),
      1_100,
    );
  });

  it("applies the defaults of workflow-graph.md", () => {
    assert.deepEqual(NodeRetry.parse({}), {
      max_attempts: 1,
      initial_delay_seconds: 1,
      backoff_factor: 2,
      max_delay_seconds: 300,
      jitter_factor: 0.1,
    });
  });
});
