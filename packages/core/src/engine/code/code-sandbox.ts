import type { Config } from "../../config";
import type { Logger } from "../../logger";
import { NodeError } from "../node-type";
import type { ThreadReply } from "./sandbox-thread";
import { spawnCodeThread, type CodeThread } from "./spawn-code-thread";

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
  /** Fails the waiting tasks and terminates every thread. */
  close: () => Promise<void>;
};

export type CodeSandboxOptions = {
  /** Engines (threads) running code at once in this process (CODE_MAX_CONCURRENCY); more tasks wait, FIFO. */
  maxConcurrency?: number;
  /** Each engine's whole memory (CODE_MEMORY_LIMIT_MB), its stack and own structures included. */
  memoryLimitMb?: number;
  /** The largest JSON a code node may return (CODE_MAX_OUTPUT_BYTES), checked inside the thread. */
  maxOutputBytes?: number;
  /** How long an engine asked to stop (cancel, deadline) may take before its thread is terminated. */
  stopGraceMs?: number;
  logger?: Logger;
};

export const CODE_SANDBOX_DEFAULTS = { maxConcurrency: 4, memoryLimitMb: 64, maxOutputBytes: 1_048_576 } as const;

/** QuickJS's stack cap: about 3,000 levels of plain recursion. */
const STACK_BYTES = 512 * 1024;
/**
 * The default stopGraceMs. The engine checks for an interrupt every few thousand bytecode instructions, and inside
 * regular expressions; only one long native step (a sort or JSON.stringify of millions of elements) runs
 * between checks, for a few hundred milliseconds at most within the memory cap.
 */
const STOP_GRACE_MS = 1_000;

export function codeSandboxOptions(
  config: Pick<Config, "CODE_MAX_CONCURRENCY" | "CODE_MEMORY_LIMIT_MB" | "CODE_MAX_OUTPUT_BYTES">,
): CodeSandboxOptions {
  return {
    maxConcurrency: config.CODE_MAX_CONCURRENCY,
    memoryLimitMb: config.CODE_MEMORY_LIMIT_MB,
    maxOutputBytes: config.CODE_MAX_OUTPUT_BYTES,
  };
}

type Pending = {
  id: number;
  task: CodeTask;
  args: string;
  deadline: number;
  thread: Slot | null;
  settled: boolean;
  finish: (outcome: { ok: true; value: unknown } | { ok: false; error: Error }) => void;
};

type Slot = { thread: CodeThread; current: Pending | null; backstop: NodeJS.Timeout | null; dead: boolean };

/**
 * The code nodes of one process: at most `maxConcurrency` QuickJS engines, each in a warm worker thread, run code at
 * once; further tasks wait in FIFO order, each still bound by its signal and its deadline (which counts from the
 * call, waiting included). A task past its deadline or aborted fails at once; its engine is interrupted, and its
 * thread terminated if it has not stopped within stopGraceMs. Threads start on first use and are kept: a thread
 * that dies is replaced when the next task needs one. The thread count includes the exiting ones, so the bound
 * holds at every moment.
 */
export function createCodeSandbox(options: CodeSandboxOptions = {}): CodeSandbox {
  const { maxConcurrency, memoryLimitMb, maxOutputBytes } = { ...CODE_SANDBOX_DEFAULTS, ...options };
  const stopGraceMs = options.stopGraceMs ?? STOP_GRACE_MS;
  const limits = { memoryBytes: memoryLimitMb * 1_048_576, stackBytes: STACK_BYTES, maxOutputBytes };
  const slots = new Set<Slot>();
  const idle: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;

  const messages = {
    timeout: (t: CodeTask) => `code timed out after ${t.timeoutSeconds} seconds`,
    memory: () => `code ran out of memory (limit ${memoryLimitMb} MB)`,
    output: () => `code output exceeds CODE_MAX_OUTPUT_BYTES (${maxOutputBytes} bytes)`,
    stack: () => `code overflowed its stack (limit ${STACK_BYTES / 1024} KB)`,
    "never-settles": () => "code awaits a promise that never settles (the sandbox has no timers or I/O)",
  };

  const fail = (p: Pending, message: string) => p.finish({ ok: false, error: new NodeError(message) });

  const stopSlot = (slot: Slot, id: number) => {
    slot.thread.stop(id);
    slot.backstop ??= setTimeout(() => {
      options.logger?.warn("code thread terminated: its code did not stop in time", { stopGraceMs });
      void slot.thread.terminate();
    }, stopGraceMs);
  };

  const onReply = (slot: Slot, reply: ThreadReply) => {
    const p = slot.current;
    if (p === null || p.id !== reply.id) return;
    slot.current = null;
    if (slot.backstop !== null) clearTimeout(slot.backstop);
    slot.backstop = null;
    slot.thread.setBusy(false);
    idle.push(slot);
    switch (reply.kind) {
      case "ok":
        p.finish({ ok: true, value: JSON.parse(reply.json) });
        break;
      case "error":
        fail(p, reply.message);
        break;
      case "crash":
        fail(p, `code sandbox failed: ${reply.message}`);
        break;
      case "cancelled":
        break;
      case "timeout":
        fail(p, messages.timeout(p.task));
        break;
      case "memory":
      case "output":
      case "stack":
      case "never-settles":
        fail(p, messages[reply.kind]());
        break;
      default:
        reply satisfies never;
    }
    pump();
  };

  const spawn = (): Slot => {
    // eslint-disable-next-line prefer-const -- the thread's events, which need the slot, are wired before it exists
    let slot: Slot;
    const thread = spawnCodeThread(limits, {
      onReply: (reply) => onReply(slot, reply),
      onError: (err) => {
        slot.dead = true;
        options.logger?.warn("code thread failed", { error: err.message, code: err.code });
        const p = slot.current;
        if (p !== null) {
          fail(p, err.code === "ERR_WORKER_OUT_OF_MEMORY" ? messages.memory() : `code sandbox failed: ${err.message}`);
        }
      },
      onExit: () => {
        slot.dead = true;
        if (slot.backstop !== null) clearTimeout(slot.backstop);
        slots.delete(slot);
        const at = idle.indexOf(slot);
        if (at >= 0) idle.splice(at, 1);
        if (slot.current !== null) fail(slot.current, "code sandbox exited");
        slot.current = null;
        pump();
      },
    });
    slot = { thread, current: null, backstop: null, dead: false };
    slots.add(slot);
    return slot;
  };

  const pump = () => {
    while (queue.length > 0 && !closed) {
      const slot = idle.pop() ?? (slots.size < maxConcurrency ? spawn() : undefined);
      if (slot === undefined) return;
      if (slot.dead) continue;
      const p = queue.shift()!;
      slot.current = p;
      p.thread = slot;
      slot.thread.setBusy(true);
      slot.thread.send({ id: p.id, source: p.task.source, args: p.args, deadline: p.deadline });
    }
  };

  const run = (task: CodeTask): Promise<unknown> => {
    if (task.signal.aborted) return Promise.reject(reasonOf(task.signal));
    if (closed) return Promise.reject(new NodeError("code sandbox closed"));
    const args = JSON.stringify(task.args);
    // JSON text longer than the engine's memory can never be parsed inside it.
    if (args.length > limits.memoryBytes) {
      return Promise.reject(new NodeError(`${messages.memory()}: its input is ${args.length} characters of JSON`));
    }
    const timeoutMs = task.timeoutSeconds * 1_000;
    return new Promise<unknown>((resolve, reject) => {
      const p: Pending = {
        id: nextId++,
        task,
        args,
        deadline: Date.now() + timeoutMs,
        thread: null,
        settled: false,
        finish: (outcome) => {
          if (p.settled) return;
          p.settled = true;
          clearTimeout(timer);
          task.signal.removeEventListener("abort", onAbort);
          if (outcome.ok) resolve(outcome.value);
          else reject(outcome.error);
        },
      };
      // Settles the task now; a task still waiting leaves the queue, a running one has its engine stopped.
      const cut = (error: Error) => {
        const waiting = queue.indexOf(p);
        if (waiting >= 0) queue.splice(waiting, 1);
        else if (p.thread !== null && p.thread.current === p) stopSlot(p.thread, p.id);
        p.finish({ ok: false, error });
      };
      const onAbort = () => cut(reasonOf(task.signal));
      const timer = setTimeout(() => {
        const waiting = p.thread === null;
        cut(
          new NodeError(
            waiting
              ? `${messages.timeout(task)} waiting for a code thread (CODE_MAX_CONCURRENCY ${maxConcurrency})`
              : messages.timeout(task),
          ),
        );
      }, timeoutMs);
      task.signal.addEventListener("abort", onAbort, { once: true });
      queue.push(p);
      pump();
    });
  };

  return {
    run,
    close: async () => {
      closed = true;
      for (const p of queue.splice(0)) fail(p, "code sandbox closed");
      await Promise.all([...slots].map((slot) => slot.thread.terminate()));
    },
  };
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
