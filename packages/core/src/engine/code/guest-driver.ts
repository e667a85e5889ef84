/**
 * The script every fresh QuickJS context evaluates before a code node's source: a function of three primitives
 * (the source text, the arguments as JSON text, the output cap in bytes) that compiles the source with the guest's
 * own eval, parses the arguments with the guest's own JSON, calls the code and, when its promise settles,
 * serialises the result with the guest's own JSON.stringify or describes the failure as a string, all inside the
 * guest. It returns a function that reports the outcome as one string:
 *
 * - `P`: pending (the host runs the guest's pending jobs, then asks again)
 * - `R<json>`: the code returned; `<json>` is the result's JSON text (`null` for undefined)
 * - `E<message>`: the code threw or does not compile; `<message>` was computed by the guest
 * - `O`: the result's JSON text is longer than the cap (the thread then checks the exact byte length)
 * - `M`, `S`: the engine ran out of memory or stack (QuickJS's own InternalErrors for them)
 *
 * The built-ins it needs are taken before the code runs, so code that replaces `JSON.stringify` or
 * `Promise.prototype.then` changes only its own result, as returning another value would. Nothing here protects
 * the host: the host only ever reads the string this reports.
 */
export const GUEST_DRIVER_SOURCE = `(function (source, argsJson, maxBytes) {
  "use strict";
  var parse = JSON.parse, stringify = JSON.stringify, then = Promise.prototype.then, apply = Reflect.apply;
  var slice = String.prototype.slice, Internal = typeof InternalError === "function" ? InternalError : null;
  var MAX_MESSAGE = 2000;
  var outcome = "P";
  function describe(e) {
    try {
      if (Internal !== null && e instanceof Internal && e.message === "out of memory") return "M";
      if (Internal !== null && e instanceof Internal && e.message === "stack overflow") return "S";
      var m = e !== null && typeof e === "object" && typeof e.message === "string" ? e.message : String(e);
      return "E" + (m.length > MAX_MESSAGE ? apply(slice, m, [0, MAX_MESSAGE]) + "..." : m);
    } catch (_) {
      return "Ecode threw a value that cannot be described";
    }
  }
  function settle(value) {
    try {
      var json = stringify(value);
      if (typeof json !== "string") json = "null";
      outcome = json.length > maxBytes ? "O" : "R" + json;
    } catch (e) {
      outcome = describe(e);
    }
  }
  function fail(e) {
    outcome = describe(e);
  }
  function poll() {
    return outcome;
  }
  var fn;
  try {
    fn = (0, eval)("(async function (input, steps, run) {\\n" + source + "\\n})");
  } catch (e) {
    var d = describe(e);
    outcome = d[0] === "E" ? "Ecode does not compile: " + apply(slice, d, [1]) : d;
    return poll;
  }
  try {
    var args = parse(argsJson);
    apply(then, fn(args.input, args.steps, args.run), [settle, fail]);
  } catch (e) {
    fail(e);
  }
  return poll;
})`;
