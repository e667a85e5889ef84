import { Worker } from "node:worker_threads";
import { NodeError } from "../node-type";
import { SANDBOX_THREAD_SOURCE, wrapSource } from "./sandbox-thread";

export type CodeTask = {
  source: string;
  /** What the code receives, as JSON-compatible values. */
  args: { input: unknown; steps: Record<string, unknown>; run: unknown };
  timeoutSeconds: number;
  signal: AbortSignal;
};

export type CodeSandbox = {
  /** The code's returned value (JSON), or a NodeError naming why it did not return one. */
  run: (task: CodeTask) => Promise<unknown>;
  /** Terminates the idle threads (busy ones end with their task). */
  close: () => Promise<void>;
};

export type CodeSandboxOptions = {
  /** Heap cap of each thread: code that allocates past it ends its node, never the process. */
  memoryMb?: number;
  /** Threads kept for reuse; more are started when more code nodes run at once. */
  maxIdle?: number;
};

type Reply = { ok: true; json: string } | { ok: false; error: string };

/**
 * A small pool of worker threads running code nodes. A thread whose code timed out, was aborted, ran out of
 * memory or crashed is terminated and never reused; a thread that answered goes back to the pool. Threads are
 * started lazily (a process that never runs code starts none) and unref'd (they never keep a process alive).
 */
export function createCodeSandbox(options: CodeSandboxOptions = {}): CodeSandbox {
  const memoryMb = options.memoryMb ?? 64;
  const maxIdle = options.maxIdle ?? 2;
  const idle: Worker[] = [];

  const spawn = () => {
    const thread = new Worker(SANDBOX_THREAD_SOURCE, {
      eval: true,
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 16 },
    });
    thread.unref();
    return thread;
  };

  const run = (task: CodeTask): Promise<unknown> => {
    if (task.signal.aborted) return Promise.reject(reasonOf(task.signal));
    const thread = idle.pop() ?? spawn();
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const settle = (reuse: boolean, done: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        task.signal.removeEventListener("abort", onAbort);
        thread.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (reuse && idle.length < maxIdle) idle.push(thread);
        else void thread.terminate();
        done();
      };
      const onMessage = (reply: Reply) =>
        settle(true, () => {
          if (reply.ok) resolve(JSON.parse(reply.json));
          else reject(new NodeError(reply.error));
        });
      const onError = (err: Error & { code?: string }) =>
        settle(false, () =>
          reject(
            new NodeError(
              err.code === "ERR_WORKER_OUT_OF_MEMORY"
                ? `code ran out of memory (limit ${memoryMb} MB)`
                : `code sandbox failed: ${err.message}`,
            ),
          ),
        );
      const onExit = () => settle(false, () => reject(new NodeError("code sandbox exited")));
      const onAbort = () => settle(false, () => reject(reasonOf(task.signal)));
      const timer = setTimeout(
        () => settle(false, () => reject(new NodeError(`code timed out after ${task.timeoutSeconds} seconds`))),
        task.timeoutSeconds * 1_000,
      );
      thread.on("message", onMessage).on("error", onError).on("exit", onExit);
      task.signal.addEventListener("abort", onAbort, { once: true });
      thread.postMessage({ wrapped: wrapSource(task.source), args: JSON.stringify(task.args) });
    });
  };

  return {
    run,
    close: async () => {
      await Promise.all(idle.splice(0).map((t) => t.terminate()));
    },
  };
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
