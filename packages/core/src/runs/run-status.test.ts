import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isTerminal, LIVE_STATUSES, RUN_STATUSES, statusInSql, TERMINAL_STATUSES } from "./run-status";

describe("run statuses", () => {
  it("are each either live or terminal, never both", () => {
    assert.deepEqual([...LIVE_STATUSES, ...TERMINAL_STATUSES].sort(), [...RUN_STATUSES].sort());
    for (const s of LIVE_STATUSES) assert.equal(isTerminal(s), false, s);
  });

  it("write as a list of literals, as a partial index's condition does", () => {
    assert.equal(statusInSql("r.status", TERMINAL_STATUSES), "r.status IN ('succeeded', 'failed', 'cancelled')");
  });
});
