/**
 * The deepest JSON nesting the platform accepts. Postgres refuses jsonb much deeper than a few thousand levels
 * ("stack depth limit exceeded") and recursive code (revivers, canonical forms) overflows the stack well before
 * JSON.parse does; real payloads stay far below this.
 */
export const MAX_JSON_DEPTH = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]);
const CLOSE = new Set([0x5d, 0x7d]);

/**
 * true when the text nests arrays/objects deeper than `max`, counting brackets outside strings. One pass, no
 * recursion and no parse, so it is safe to run before JSON.parse on any input (for text that is not JSON the
 * answer means nothing and is not used).
 */
export function exceedsJsonDepth(text: Buffer | string, max = MAX_JSON_DEPTH): boolean {
  const buf = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (OPEN.has(c)) {
      if (++depth > max) return true;
    } else if (CLOSE.has(c)) depth--;
  }
  return false;
}
