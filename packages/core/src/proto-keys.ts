/**
 * A `__proto__` key in a JSON document is data. Plain assignment (`out[key] = value`, and every library that
 * copies objects that way, Prisma's JSON input among them) sets the prototype instead and drops the key without a
 * word: these keep it.
 */

/** `out[key] = value`, except that a `__proto__` key becomes an own property instead of replacing the prototype. */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** True when `value` (JSON data) holds an own `__proto__` key anywhere. */
export function hasProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    if (!Array.isArray(v) && Object.hasOwn(v, "__proto__")) return true;
    stack.push(...Object.values(v));
  }
  return false;
}
