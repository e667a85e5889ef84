import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

/**
 * Guest helpers every payload starts with. Given anything that might be an object of the host realm, they climb to
 * its Function constructor, compile `return process` with it and, if that yields the host's process, write the
 * payload's marker file and return the host environment: an escape leaves the file behind and the secret in the run.
 */
const prelude = (marker: string) => `
const MARKER = ${JSON.stringify(marker)};
const viaFunction = (F) => {
  try {
    const p = F("return typeof process === 'object' ? process : undefined")();
    if (p === undefined || p === null) return undefined;
    const fs = typeof p.getBuiltinModule === "function" ? p.getBuiltinModule("fs") : p.mainModule.require("fs");
    fs.writeFileSync(MARKER, "escaped");
    return "escaped: " + fs.readFileSync("/proc/self/environ", "utf8") + JSON.stringify(p.env);
  } catch (e) {
    return undefined;
  }
};
const viaObject = (o) => {
  try {
    return o === undefined || o === null ? undefined : viaFunction(o.constructor.constructor);
  } catch (e) {
    return undefined;
  }
};
const viaFrames = () => {
  let found;
  const before = Error.prepareStackTrace;
  Error.prepareStackTrace = (_, frames) => {
    for (const f of frames) {
      try {
        found ??= viaObject(f.getThis()) ?? viaObject(f.getFunction());
      } catch (e) {}
    }
    return "frames";
  };
  try {
    void new Error("probe").stack;
    if (typeof Error.captureStackTrace === "function") {
      const o = {};
      Error.captureStackTrace(o);
      void o.stack;
    }
  } finally {
    Error.prepareStackTrace = before;
  }
  return String(found);
};
`;

const PAYLOADS: Record<string, string> = {
  "call sites through a getter on a thrown value": "throw { get message() { return viaFrames(); } };",
  "an Error whose message is a getter": `
    const e = new Error("plain");
    Object.defineProperty(e, "message", { get() { return viaFrames(); } });
    throw e;`,
  "Error.captureStackTrace inside a getter the host reads": `
    throw { get message() {
      const o = {};
      Error.prepareStackTrace = (_, frames) => frames;
      if (typeof Error.captureStackTrace === "function") Error.captureStackTrace(o);
      const frames = Array.isArray(o.stack) ? o.stack : [];
      return String(frames.map((f) => viaObject(f.getThis()) ?? viaObject(f.getFunction())).find(Boolean));
    } };`,
  "toJSON of the returned value": "return { toJSON() { return viaFrames(); } };",
  "a thenable returned": "return { then(resolve) { resolve(viaFrames()); } };",
  "a thenable thrown": "throw { then(resolve) { resolve(viaFrames()); }, get message() { return viaFrames(); } };",
  "a Proxy returned": `
    return new Proxy({}, {
      get: () => viaFrames(),
      ownKeys: () => [viaFrames(), "a"].slice(1),
      getOwnPropertyDescriptor: () => ({ value: viaFrames(), enumerable: true, configurable: true }),
    });`,
  "the values passed in": `
    return [viaObject(input), viaObject(input.list), viaObject(steps), viaObject(run), viaFunction(Function)].map(String);`,
  "eval and Function from strings": `
    return [eval("typeof process"), Function("return typeof require")(), viaObject((0, eval)("this"))];`,
  "import()": `
    try {
      const fs = await import("node:fs");
      fs.writeFileSync(MARKER, "escaped");
      return "escaped";
    } catch (e) {
      return "refused: " + String(e && e.message);
    }`,
  "/proc/self/environ": `
    const globals = ["std", "os", "fs", "require", "process", "Deno", "Bun"].map((name) => typeof globalThis[name]);
    let read;
    try {
      read = JSON.stringify(await import("/proc/self/environ"));
    } catch (e) {
      read = "refused: " + String(e && e.message);
    }
    return { globals, read };`,
};

describe("code node escapes", () => {
  let deps: TestDeps;
  let worker: ServiceProcess;
  let dir: string;
  before(async () => {
    deps = await createTestDeps();
    dir = mkdtempSync(join(tmpdir(), "code-escape-"));
    // The worker holds the secrets an escape would read (SECRET_KEY, DATABASE_URL), as in production.
    worker = spawnService("worker", { ...deps.env, LOG_LEVEL: "info", WORKER_CONCURRENCY: "20" });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
    await deps.close();
  });

  const runCode = async (source: string, input: unknown = {}) => {
    const graph = { nodes: [{ id: "code", type: "code", params: { source } }], edges: [] };
    const { runId } = await createTestRun(deps.db, graph, { input });
    await enqueueRuns(deps.queues, [runId]);
    return waitForOutcome(deps.db, runId);
  };

  for (const [name, payload] of Object.entries(PAYLOADS)) {
    it(`reaches nothing of the host through ${name}`, async () => {
      const marker = join(dir, `${name.replace(/[^a-z]+/gi, "-")}.marker`);
      const { run, steps } = await runCode(prelude(marker) + payload, { list: [1] });
      const recorded = steps.map((s) => ({ status: s.status, output: s.output, error: s.error }));
      const everything = JSON.stringify({ output: run.outputPayload, error: run.error, steps: recorded });
      assert.equal(existsSync(marker), false, `the payload wrote its marker: ${everything.slice(0, 500)}`);
      assert.doesNotMatch(everything, /escaped:/);
      assert.equal(everything.includes(deps.env.SECRET_KEY!), false, "the run holds the worker's SECRET_KEY");
      assert.equal(everything.includes(deps.env.DATABASE_URL!), false, "the run holds the worker's DATABASE_URL");
      assert.equal(worker.proc.exitCode, null, "the worker process lives on");
    });
  }

  it("sees no host global: process, require, Buffer, timers, fetch and WebAssembly are absent", async () => {
    const { run } = await runCode("return Object.getOwnPropertyNames(globalThis);");
    assert.equal(run.status, "succeeded");
    const globals = (run.outputPayload as { final_state: { steps: { code: string[] } } }).final_state.steps.code;
    for (const name of [
      "process",
      "require",
      "module",
      "Buffer",
      "setTimeout",
      "setImmediate",
      "fetch",
      "WebAssembly",
    ]) {
      assert.equal(globals.includes(name), false, `globalThis has ${name}`);
    }
    assert.ok(globals.includes("JSON") && globals.includes("Promise"));
  });

  it("refuses import() of a module and of a file", async () => {
    const { run } = await runCode(prelude(join(dir, "import.marker")) + PAYLOADS["/proc/self/environ"]);
    const result = (run.outputPayload as { final_state: { steps: { code: { globals: string[]; read: string } } } })
      .final_state.steps.code;
    assert.deepEqual(result.globals, Array(7).fill("undefined"));
    assert.match(result.read, /^refused: /);
  });
});
