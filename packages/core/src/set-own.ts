/**
 * `out[key] = value`, except that a `__proto__` key becomes an own property (data) instead of replacing the
 * object's prototype, which would drop the key without a word.
 */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
