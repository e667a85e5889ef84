/** The seeded randomness of the fuzz case: a small PRNG and hostile strings and JSON values built from it. */

/** mulberry32: small, fast, good enough to pick test cases. */
export function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
export type Random = ReturnType<typeof createRandom>;

const INJECTIONS = [
  "' OR 1=1 --",
  "'; DROP TABLE runs; --",
  "\\'; SELECT pg_sleep(10); --",
  "{{ $eval('1+1') }}",
  "{{ $$.constructor.constructor('return process')() }}",
  "${process.exit(1)}",
  "$string($)",
  "__proto__",
  "constructor",
  "../../../etc/passwd",
  "%00",
  "\u0000",
  "\uD800",
  "\uFFFF",
  "😀".repeat(50),
  "null",
  "-1",
  "1e309",
  "NaN",
  "<script>alert(1)</script>",
];

/** Percent-encodes every byte of the string's UTF-8 form (a lone surrogate becomes U+FFFD, as on the wire). */
export function encodePart(s: string): string {
  return [...Buffer.from(s, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
}

export function randomUuid(r: Random): string {
  const hex = () => r.int(16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join("");
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}

export function oddString(r: Random): string {
  switch (r.int(8)) {
    case 0:
      return r.pick(INJECTIONS);
    case 1:
      return "x".repeat(r.pick([0, 1, 255, 256, 1_000, 100_000]));
    case 2:
      return randomUuid(r);
    case 3:
      return String.fromCharCode(...Array.from({ length: 1 + r.int(20) }, () => r.int(0x10000)));
    case 4:
      return r.pick(["pending", "running", "succeeded", "failed", "cancelled", "waiting", "PENDING", "bogus"]);
    case 5:
      return new Date(r.int(2 ** 31) * 1000).toISOString();
    default:
      return `s${r.int(1000)}`;
  }
}

/** Any JSON value, up to `depth` levels deep. */
export function randomValue(r: Random, depth = 3): unknown {
  const kind = r.int(depth <= 0 ? 6 : 9);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 7, 100, 1_000_000]);
    case 3:
    case 4:
    case 5:
      return oddString(r);
    case 6:
    case 7:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(5) }, () => [oddString(r), randomValue(r, depth - 1)]));
  }
}
