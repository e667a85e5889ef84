import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createCodeSandbox } from "./code-sandbox";

describe("code sandbox", () => {
  const sandbox = createCodeSandbox({ memoryMb: 32 });
  after(() => sandbox.close());
  const run = (source: string, timeoutSeconds = 5, signal = new AbortController().signal) =>
    sandbox.run({
      source,
      args: { input: { n: 2 }, steps: { a: [1, 2] }, run: { id: "r" } },
      timeoutSeconds,
      signal,
    });

  it("returns the JSON value of an async function of input, steps and run", async () => {
    assert.deepEqual(await run("await null; return { n: input.n * 2, sum: steps.a[0] + steps.a[1], id: run.id };"), {
      n: 4,
      sum: 3,
      id: "r",
    });
    assert.equal(await run("return undefined;"), null);
    assert.equal(await run("return () => 1;"), null);
  });

  it("gives the code no require, process, timers, eval or Function from strings", async () => {
    assert.deepEqual(
      await run("return [typeof require, typeof process, typeof setTimeout, typeof fetch, typeof module];"),
      ["undefined", "undefined", "undefined", "undefined", "undefined"],
    );
    await assert.rejects(run("return eval('1 + 1');"), /Code generation from strings disallowed/);
    await assert.rejects(
      run("return input.constructor.constructor('return process')();"),
      /Code generation from strings disallowed/,
    );
  });

  it("fails with the message of a thrown error", async () => {
    await assert.rejects(run("throw new Error('bad input');"), { name: "NodeError", message: "bad input" });
    await assert.rejects(run("throw 'plain';"), { message: "plain" });
    await assert.rejects(run("const a = {}; a.self = a; return a;"), /circular/i);
  });

  it("ends an endless loop at its timeout and keeps serving", async () => {
    await assert.rejects(run("while (true) {}", 0.3), { message: "code timed out after 0.3 seconds" });
    await assert.rejects(run("await new Promise(() => {});", 0.2), { message: "code timed out after 0.2 seconds" });
    assert.equal(await run("return 1;"), 1);
  });

  it("ends code that allocates without end at its memory cap and keeps serving", async () => {
    await assert.rejects(run("const a = []; for (;;) a.push(new Array(1e5).fill(a.length));", 30), {
      message: "code ran out of memory (limit 32 MB)",
    });
    assert.equal(await run("return 2;"), 2);
  });

  it("stops running code when its signal aborts", async () => {
    const controller = new AbortController();
    const running = run("while (true) {}", 30, controller.signal);
    setImmediate(() => controller.abort(new Error("Run cancelled")));
    await assert.rejects(running, { message: "Run cancelled" });
    assert.equal(await run("return 3;"), 3);
  });
});
