import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { GUEST_DRIVER_SOURCE } from "./guest-driver";
import { SANDBOX_THREAD_SOURCE, type ThreadData, type ThreadReply, type ThreadTask } from "./sandbox-thread";

export type CodeThreadLimits = { memoryBytes: number; stackBytes: number; maxOutputBytes: number };

/** One sandbox thread as the pool sees it. */
export type CodeThread = {
  send: (task: ThreadTask) => void;
  /** Asks the engine to stop task `id` at its next interrupt check (the thread then answers `cancelled`). */
  stop: (id: number) => void;
  terminate: () => Promise<void>;
  /** Keeps the process alive while the thread works; an idle thread never does. */
  setBusy: (busy: boolean) => void;
};

export type CodeThreadEvents = {
  onReply: (reply: ThreadReply) => void;
  /** The thread died (its own heap ran out, or it crashed); `onExit` follows. */
  onError: (err: Error & { code?: string }) => void;
  onExit: () => void;
};

/**
 * The V8 stack of a sandbox thread. QuickJS checks its own stack (STACK_BYTES in code-sandbox.ts) against the
 * WebAssembly shadow stack, but the WebAssembly frames themselves live on this one, and some native recursion
 * (the parser on `((((...`) takes far more of it per level: 64 times QuickJS's cap was enough for every deep
 * recursion tried, where the default 4 MB was overrun. Only the pages actually used are resident.
 */
const THREAD_STACK_MB = 32;

const require = createRequire(import.meta.url);

/** The engine's files: the packages resolve from node_modules, from the sources and from dist/ alike. */
const enginePaths = (): Pick<ThreadData, "corePath" | "variantPath" | "wasmPath"> => ({
  corePath: require.resolve("quickjs-emscripten-core"),
  variantPath: require.resolve("@jitl/quickjs-wasmfile-release-sync"),
  wasmPath: require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm"),
});

/**
 * Starts a sandbox thread with an empty environment, no execArgv (no TypeScript loader, no inspector) and V8 limits
 * of its own. Its stdout and stderr are drained and dropped: the guest has no console, and the thread reports
 * everything through its replies.
 */
export function spawnCodeThread(limits: CodeThreadLimits, events: CodeThreadEvents): CodeThread {
  const cancel = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancel);
  const workerData: ThreadData = { ...enginePaths(), driver: GUEST_DRIVER_SOURCE, ...limits, cancel };
  const memoryMb = Math.ceil(limits.memoryBytes / 1_048_576);
  const thread = new Worker(SANDBOX_THREAD_SOURCE, {
    eval: true,
    env: {},
    argv: [],
    execArgv: [],
    workerData,
    stdout: true,
    stderr: true,
    // The thread's own heap holds the input and output JSON text (each at most about the engine's memory).
    resourceLimits: {
      maxOldGenerationSizeMb: memoryMb + 32,
      maxYoungGenerationSizeMb: 16,
      stackSizeMb: THREAD_STACK_MB,
    },
  });
  thread.stdout.resume();
  thread.stderr.resume();
  thread.unref();
  thread.on("message", events.onReply).on("error", events.onError).on("exit", events.onExit);
  return {
    send: (task) => thread.postMessage(task),
    stop: (id) => Atomics.store(flag, 0, id),
    // Held while it ends: an unreferenced thread's termination would not keep the event loop alive to be awaited.
    terminate: async () => {
      thread.ref();
      await thread.terminate();
    },
    setBusy: (busy) => (busy ? thread.ref() : thread.unref()),
  };
}
