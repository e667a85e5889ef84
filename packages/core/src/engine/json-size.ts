import { isJsonataFunction } from "./expression-budget";

/** Thrown by `jsonSizeWithin` for a value JSON cannot hold (a JSONata function: it carries its environment). */
export class NotJsonError extends Error {
  override name = "NotJsonError";
}

// Characters JSON.stringify escapes: `"`, `\`, control characters, and lone surrogates (as \uXXXX).
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The size in bytes of `JSON.stringify(value, null, pretty ? 2 : 0)` (UTF-8) when it is at most `max`, else
 * null. It walks the value without building the text and stops as soon as `max` is passed, so a huge value (or
 * one that shares its parts many times over, or a cycle) costs at most about `max` steps; a small one costs a walk.
 */
export function jsonSizeWithin(
  value: unknown,
  max: number,
  options: { pretty?: boolean; functionsAsEmpty?: boolean } = {},
): number | null {
  const pretty = options.pretty === true;
  let size = 0;
  const stack: { value: object; depth: number }[] = [];
  /** Adds a value's size; objects and arrays go on the stack, to be walked in turn. */
  const add = (raw: unknown, depth: number) => {
    const v = toJsonable(raw, options.functionsAsEmpty === true);
    if (typeof v === "string") size += stringSize(v);
    else if (typeof v === "number") size += Number.isFinite(v) ? String(v).length : 4;
    else if (typeof v === "boolean") size += v ? 4 : 5;
    else if (v === null) size += 4;
    else if (typeof v === "object") stack.push({ value: v, depth });
  };
  add(value, 0);
  while (stack.length > 0 && size <= max) {
    const top = stack.pop()!;
    // Brackets, separators and (pretty) a line with its indent per item, plus the closing line.
    const indent = pretty ? 1 + 2 * (top.depth + 1) : 0;
    if (Array.isArray(top.value)) {
      const items = top.value as unknown[];
      size += 2 + Math.max(0, items.length - 1) + items.length * indent + (pretty && items.length > 0 ? indent - 2 : 0);
      for (let i = items.length - 1; i >= 0 && size <= max; i--) {
        const item = items[i];
        // Array slots JSON cannot hold become null.
        if (item === undefined || typeof item === "function") size += 4;
        else add(item, top.depth + 1);
      }
    } else {
      const record = top.value as Record<string, unknown>;
      let members = 0;
      for (const key of Object.keys(record)) {
        if (size > max) break;
        const member = record[key];
        if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
        members++;
        size += stringSize(key) + (pretty ? 2 : 1) + indent;
        add(member, top.depth + 1);
      }
      size += 2 + Math.max(0, members - 1) + (pretty && members > 0 ? indent - 2 : 0);
    }
  }
  if (size > max) return null;
  return size;
}

/** `functionsAsEmpty`: JSONata functions read as "" (how `$string` writes them) instead of failing. */
function toJsonable(value: unknown, functionsAsEmpty: boolean): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isJsonataFunction(value)) {
    if (functionsAsEmpty) return "";
    throw new NotJsonError("the value holds a function, which is not JSON data");
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === "function" ? (toJSON as () => unknown).call(value) : value;
}

function stringSize(s: string): number {
  const bytes = Buffer.byteLength(s, "utf8") + 2;
  if (!ESCAPED.test(s)) return bytes;
  let extra = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) extra += 1;
    else if (c < 0x20) extra += 5;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      // A pair is 4 UTF-8 bytes as is; a lone surrogate (3 bytes as U+FFFD in byteLength) becomes \uXXXX.
      if (pair) i++;
      else extra += 3;
    }
  }
  return bytes + extra;
}
