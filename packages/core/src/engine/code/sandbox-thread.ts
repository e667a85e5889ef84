/**
 * The script of a code sandbox thread (run with `eval: true`, so it needs no loader and no file of its own).
 * Each task gets a fresh `node:vm` context: the JavaScript built-ins and nothing of Node (no require, process,
 * timers, file system or network). Data crosses as JSON text and is parsed and serialised by the context's
 * own JSON, so the code never holds an object of the thread's realm; string code generation (eval,
 * Function) is off. The thread itself is the limit on time and memory: the pool terminates it.
 */
export const SANDBOX_THREAD_SOURCE = `
const { parentPort } = require("node:worker_threads");
const vm = require("node:vm");
const describe = (err) => {
  try {
    if (err !== null && typeof err === "object" && typeof err.message === "string") return err.message;
    return String(err);
  } catch {
    return "code threw a value that cannot be described";
  }
};
parentPort.on("message", async (task) => {
  let reply;
  try {
    const context = vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
    const fn = vm.runInContext(task.wrapped, context, { filename: "code-node.js" });
    const args = vm.runInContext("JSON.parse", context)(task.args);
    const result = await fn(args.input, args.steps, args.run);
    const json = vm.runInContext("JSON.stringify", context)(result);
    reply = { ok: true, json: typeof json === "string" ? json : "null" };
  } catch (err) {
    reply = { ok: false, error: describe(err) };
  }
  parentPort.postMessage(reply);
});
`;

/** The code node's source as the body of an async function of `input`, `steps` and `run`. */
export function wrapSource(source: string): string {
  return `(async function (input, steps, run) {\n${source}\n})`;
}
