/** What a sandbox thread is started with (its `workerData`). */
export type ThreadData = {
  corePath: string;
  variantPath: string;
  wasmPath: string;
  driver: string;
  memoryBytes: number;
  stackBytes: number;
  maxOutputBytes: number;
  /** One Int32: the id of the task the host wants stopped (cancelled, or past its deadline). */
  cancel: SharedArrayBuffer;
};

/** One code node run, host to thread. `args` is JSON text; `deadline` is epoch milliseconds. */
export type ThreadTask = { id: number; source: string; args: string; deadline: number };

export type ThreadReply =
  | { id: number; kind: "ok"; json: string }
  | { id: number; kind: "error" | "crash"; message: string }
  | { id: number; kind: "timeout" | "cancelled" | "memory" | "output" | "stack" | "never-settles" };

/**
 * The script of a sandbox thread (CommonJS, run with `eval: true`: no loader and no file of its own, so it runs
 * the same from the sources and from dist/). It compiles the QuickJS WebAssembly module once and runs each task in
 * a fresh QuickJS runtime and context of an engine instance whose WebAssembly.Memory has a hard maximum: that
 * maximum is the memory cap (QuickJS's own setMemoryLimit counts allocations, not bytes, in this build: Emscripten
 * has no malloc_usable_size). An instance is replaced by a fresh one after any task that ended abnormally or grew
 * its memory past the initial 16 MB, so a later task never inherits a broken or bloated engine.
 *
 * Only strings and numbers go into the guest (newString, newNumber) and only strings come out (getString, after
 * checking the value is one). The guest's outcome string is computed by the guest driver (guest-driver.ts).
 */
export const SANDBOX_THREAD_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
const core = require(workerData.corePath);
const variantModule = require(workerData.variantPath);
const variant = variantModule.default ?? variantModule;
const PAGE = 65536;
const INITIAL_BYTES = 256 * PAGE;
const compiled = new WebAssembly.Module(readFileSync(workerData.wasmPath));
const cancel = new Int32Array(workerData.cancel);

let current = 0;
let deadline = 0;
let interrupted = null;
const shouldInterrupt = () => {
  if (Atomics.load(cancel, 0) === current) interrupted = "cancelled";
  else if (Date.now() > deadline) interrupted = "timeout";
  return interrupted !== null;
};

async function newEngine() {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: workerData.memoryBytes / PAGE });
  const quickjs = await core.newQuickJSWASMModuleFromVariant(
    core.newVariant(variant, { wasmModule: compiled, wasmMemory: memory }),
  );
  return { quickjs, memory };
}

function read(ctx, fn) {
  const result = ctx.callFunction(fn, ctx.undefined);
  if (result.error) {
    result.error.dispose();
    return null;
  }
  const text = ctx.typeof(result.value) === "string" ? ctx.getString(result.value) : null;
  result.value.dispose();
  return text;
}

/** The guest's outcome string, "N" when it waits on nothing, or null when the engine stopped the guest. */
function drive(rt, ctx, task) {
  const driver = ctx.evalCode(workerData.driver, "driver.js");
  if (driver.error) {
    driver.error.dispose();
    return null;
  }
  const args = [ctx.newString(task.source), ctx.newString(task.args), ctx.newNumber(workerData.maxOutputBytes)];
  const started = ctx.callFunction(driver.value, ctx.undefined, ...args);
  for (const handle of args) handle.dispose();
  driver.value.dispose();
  if (started.error) {
    started.error.dispose();
    return null;
  }
  try {
    for (;;) {
      const state = read(ctx, started.value);
      if (state !== "P") return state;
      if (!rt.hasPendingJob()) return "N";
      const jobs = rt.executePendingJobs(-1);
      if (jobs.error) {
        jobs.error.dispose();
        return null;
      }
    }
  } finally {
    started.value.dispose();
  }
}

function outcomeReply(id, state) {
  if (interrupted !== null) return { id, kind: interrupted };
  if (state === null || state === "M") return { id, kind: "memory" };
  if (state === "S") return { id, kind: "stack" };
  if (state === "N") return { id, kind: "never-settles" };
  if (state === "O") return { id, kind: "output" };
  if (state[0] === "E") return { id, kind: "error", message: state.slice(1) };
  const json = state.slice(1);
  if (state[0] !== "R" || Buffer.byteLength(json) > workerData.maxOutputBytes) return { id, kind: "output" };
  return { id, kind: "ok", json };
}

/** Runs one task; \`keep\` says whether the engine instance may serve the next one. */
function runTask(engine, task) {
  current = task.id;
  deadline = task.deadline;
  interrupted = null;
  let rt;
  let ctx;
  let reply;
  try {
    rt = engine.quickjs.newRuntime();
    rt.setMaxStackSize(workerData.stackBytes);
    rt.setInterruptHandler(shouldInterrupt);
    ctx = rt.newContext();
    reply = outcomeReply(task.id, drive(rt, ctx, task));
  } catch (err) {
    // Thrown by the engine, not by the code: deep native recursion overflowed this thread's stack, or the
    // WebAssembly trapped. The instance is in an unknown state and is dropped.
    const message = err instanceof Error ? err.message : String(err);
    return { reply: err instanceof RangeError ? { id: task.id, kind: "stack" } : { id: task.id, kind: "crash", message }, keep: false };
  }
  let keep = reply.kind === "ok" || reply.kind === "error" || reply.kind === "output" || reply.kind === "never-settles";
  if (keep) {
    try {
      ctx.dispose();
      rt.dispose();
    } catch {
      keep = false;
    }
  }
  return { reply, keep: keep && engine.memory.buffer.byteLength <= INITIAL_BYTES };
}

let engine = null;
let chain = newEngine().then((e) => {
  engine = e;
});
parentPort.on("message", (task) => {
  chain = chain.then(async () => {
    if (engine === null) engine = await newEngine();
    const { reply, keep } = runTask(engine, task);
    if (!keep) engine = null;
    parentPort.postMessage(reply);
    if (engine === null) engine = await newEngine();
  });
});
`;

/** The code node's source as the body of an async function of `input`, `steps` and `run`. */
export function wrapSource(source: string): string {
  return `(async function (input, steps, run) {\n${source}\n})`;
}
