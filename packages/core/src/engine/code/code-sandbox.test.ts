import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Logger } from "../../logger";
import { createCodeSandbox, type CodeSandbox } from "./code-sandbox";

const args = { input: { n: 2 }, steps: { a: [1, 2] }, run: { id: "r" } };
const runIn =
  (sandbox: CodeSandbox) =>
  (source: string, timeoutSeconds = 5, signal = new AbortController().signal) =>
    sandbox.run({ source, args, timeoutSeconds, signal });

describe("code sandbox", () => {
  const sandbox = createCodeSandbox({ memoryLimitMb: 32, maxOutputBytes: 10_000 });
  after(() => sandbox.close());
  const run = runIn(sandbox);

  it("returns the JSON value of an async function of input, steps and run", async () => {
    assert.deepEqual(await run("await null; return { n: input.n * 2, sum: steps.a[0] + steps.a[1], id: run.id };"), {
      n: 4,
      sum: 3,
      id: "r",
    });
    assert.equal(await run("return undefined;"), null);
    assert.equal(await run("return () => 1;"), null);
    assert.deepEqual(await run("const p = Promise.resolve(3); return [await p, await (async () => 4)()];"), [3, 4]);
  });

  it("gives the code no require, process, timers, console or module, and eval stays inside the engine", async () => {
    assert.deepEqual(
      await run(
        "return [typeof require, typeof process, typeof setTimeout, typeof fetch, typeof module, typeof console];",
      ),
      ["undefined", "undefined", "undefined", "undefined", "undefined", "undefined"],
    );
    assert.equal(await run("return eval('1 + 1');"), 2);
    assert.equal(await run("return input.constructor.constructor('return typeof process')();"), "undefined");
  });

  it("gives every task fresh globals and built-ins: nothing one leaves behind reaches the next", async () => {
    await run("globalThis.left = input; Array.prototype.extra = 1; JSON.parse = () => 'tampered'; return 0;");
    assert.deepEqual(await run("return [typeof left, typeof [].extra, JSON.parse('1')];"), [
      "undefined",
      "undefined",
      1,
    ]);
  });

  it("fails with the message of a thrown error, and names a syntax error", async () => {
    await assert.rejects(run("throw new Error('bad input');"), { name: "NodeError", message: "bad input" });
    await assert.rejects(run("throw 'plain';"), { message: "plain" });
    await assert.rejects(run("const a = {}; a.self = a; return a;"), /circular/i);
    await assert.rejects(run("return (;"), { message: /^code does not compile: / });
  });

  it("ends an endless loop at its timeout, fails a promise that never settles, and keeps serving", async () => {
    await assert.rejects(run("while (true) {}", 0.3), { message: "code timed out after 0.3 seconds" });
    await assert.rejects(run("for (;;) { try { while (true) {} } catch {} }", 0.3), {
      message: "code timed out after 0.3 seconds",
    });
    await assert.rejects(run("for (;;) await null;", 0.3), { message: "code timed out after 0.3 seconds" });
    await assert.rejects(run("await new Promise(() => {});"), {
      message: "code awaits a promise that never settles (the sandbox has no timers or I/O)",
    });
    assert.equal(await run("return 1;"), 1);
  });

  it("ends code that allocates without end at its memory cap and keeps serving", async () => {
    await assert.rejects(run("const a = []; for (;;) a.push(new Array(1e5).fill(a.length));", 30), {
      message: "code ran out of memory (limit 32 MB)",
    });
    await assert.rejects(run("const a = []; for (;;) a.push(new Float64Array(1e5));", 30), {
      message: "code ran out of memory (limit 32 MB)",
    });
    assert.equal(await run("return 2;"), 2);
  });

  it("fails a result over the output cap, and deep recursion at the stack cap", async () => {
    const tooBig = { message: "code output exceeds CODE_MAX_OUTPUT_BYTES (10000 bytes)" };
    await assert.rejects(run("return 'x'.repeat(10_000);"), tooBig);
    // Under the cap in characters, over it in UTF-8 bytes: the thread checks the bytes.
    await assert.rejects(run("return 'é'.repeat(6_000);"), tooBig);
    assert.equal(((await run("return 'x'.repeat(9_000);")) as string).length, 9_000);
    await assert.rejects(run("function f() { return f() + 1; } return f();"), {
      message: "code overflowed its stack (limit 512 KB)",
    });
    await assert.rejects(run("return eval('('.repeat(100000));"), /stack/);
    assert.equal(await run("return 3;"), 3);
  });

  it("stops running code when its signal aborts", async () => {
    const controller = new AbortController();
    const running = run("while (true) {}", 30, controller.signal);
    setImmediate(() => controller.abort(new Error("Run cancelled")));
    await assert.rejects(running, { message: "Run cancelled" });
    assert.equal(await run("return 3;"), 3);
  });
});

describe("code sandbox backstop", () => {
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) } as unknown as Logger;
  const sandbox = createCodeSandbox({ stopGraceMs: 1, logger });
  after(() => sandbox.close());
  const run = runIn(sandbox);

  it("terminates a thread whose engine does not stop within the grace, and serves the next task on a new one", async () => {
    assert.equal(await run("return 0;"), 0, "the thread is up, so the deadline passes inside the long step");
    // One native step of a few hundred milliseconds: the engine checks for its interrupt only after it.
    await assert.rejects(run("return JSON.stringify(new Array(2e6).fill({ a: 1 })).length;", 0.05), {
      message: "code timed out after 0.05 seconds",
    });
    assert.equal(await run("return 4;"), 4);
    assert.deepEqual(warnings, ["code thread terminated: its code did not stop in time"]);
  });
});

describe("code sandbox concurrency", () => {
  const sandbox = createCodeSandbox({ maxConcurrency: 1 });
  after(() => sandbox.close());
  const run = runIn(sandbox);

  it("runs at most CODE_MAX_CONCURRENCY tasks at once; the others wait in order, bound by their own timeout and signal", async () => {
    const order: number[] = [];
    const busy = run("const end = Date.now() + 300; while (Date.now() < end) {} return 0;").then(() => order.push(0));
    const waited = run("return 1;", 0.1);
    const controller = new AbortController();
    const aborted = assert.rejects(run("return 2;", 5, controller.signal), { message: "Run cancelled" });
    const next = [3, 4, 5].map((n) => run(`return ${n};`).then((v) => order.push(v as number)));
    controller.abort(new Error("Run cancelled"));
    await assert.rejects(waited, {
      message: "code timed out after 0.1 seconds waiting for a code thread (CODE_MAX_CONCURRENCY 1)",
    });
    await aborted;
    await Promise.all([busy, ...next]);
    assert.deepEqual(order, [0, 3, 4, 5]);
  });
});
