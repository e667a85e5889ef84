import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JOBS, type JobName } from "./catalog";

describe("job catalog", () => {
  it("bounds every job's finished copies in Redis by both age and count", () => {
    for (const name of Object.keys(JOBS) as JobName[]) {
      const { removeOnComplete, removeOnFail } = JOBS[name].options;
      for (const [kind, keep] of [
        ["removeOnComplete", removeOnComplete],
        ["removeOnFail", removeOnFail],
      ] as const) {
        assert.ok(typeof keep === "object", `${name}.${kind} must be { age, count }`);
        assert.ok(keep.age !== undefined && keep.age > 0 && keep.age <= 7 * 86_400, `${name}.${kind}.age`);
        assert.ok(keep.count !== undefined && keep.count > 0 && keep.count <= 10_000, `${name}.${kind}.count`);
      }
    }
  });
});
