import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withDbRetry } from "./db-retry";

const down = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

describe("withDbRetry", () => {
  it("retries connection errors until the call succeeds, numbering the tries", async () => {
    const tries: number[] = [];
    const result = await withDbRetry(
      async (n) => {
        tries.push(n);
        if (n < 3) throw down();
        return "ok";
      },
      { maxMs: 10_000, initialDelayMs: 1 },
    );
    assert.equal(result, "ok");
    assert.deepEqual(tries, [0, 1, 2, 3]);
  });

  it("rethrows any other error at once", async () => {
    let calls = 0;
    await assert.rejects(
      withDbRetry(
        async () => {
          calls++;
          throw new Error("syntax error");
        },
        { maxMs: 10_000, initialDelayMs: 1 },
      ),
      /syntax error/,
    );
    assert.equal(calls, 1);
  });

  it("gives up with the last error once maxMs has passed", async () => {
    let calls = 0;
    await assert.rejects(
      withDbRetry(
        async () => {
          calls++;
          throw down();
        },
        { maxMs: 50, initialDelayMs: 5, maxDelayMs: 10 },
      ),
      /ECONNREFUSED/,
    );
    assert.ok(calls >= 2);
  });
});
