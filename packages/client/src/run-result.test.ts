import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runResult } from "./run-result";

describe("runResult", () => {
  const succeeded = (output_payload: unknown) => runResult({ status: "succeeded", output_payload });

  it("is the graph's output when the run has one, null included", () => {
    assert.deepEqual(succeeded({ final_state: { steps: {} }, result: { n: 1 } }), { n: 1 });
    assert.equal(succeeded({ final_state: { steps: {} }, result: null }), null);
  });

  it("falls back to the final_state, then to the output as stored", () => {
    assert.deepEqual(succeeded({ final_state: { input: {}, steps: { a: 1 } } }), { input: {}, steps: { a: 1 } });
    assert.deepEqual(succeeded({ done: true }), { done: true });
    assert.equal(succeeded("text"), "text");
  });

  it("is undefined for a run that has not succeeded", () => {
    assert.equal(runResult({ status: "failed", output_payload: null }), undefined);
    assert.equal(runResult({ status: "running", output_payload: { result: 1 } }), undefined);
  });
});
