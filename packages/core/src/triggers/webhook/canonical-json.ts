import { exceedsJsonDepth } from "../../http/json-depth";

/**
 * Orcheo signs `json.dumps(payload, sort_keys=True, separators=(",", ":"))` of the parsed body, not the raw
 * bytes. To verify such senders this module re-serialises JSON text exactly as Python would: keys sorted by
 * code point, integers kept digit for digit (Python ints are unbounded), floats in Python's `repr` form, and
 * strings escaped either as with `ensure_ascii=True` (Python's default) or with plain UTF-8.
 *
 * It works on the text rather than on `JSON.parse` output because parsing loses what Python keeps: `1.0`
 * stays a float in Python, and `12345678901234567890` an exact int.
 */
export type CanonicalForm = "ascii" | "utf8";

type Value =
  | { kind: "literal"; text: string }
  | { kind: "string"; value: string }
  | { kind: "array"; items: Value[] }
  | { kind: "object"; entries: Map<string, Value> };

/** The canonical text, or null when `text` is not JSON. */
export function toCanonicalJson(text: string, form: CanonicalForm): string | null {
  // The parser and the serialiser recurse: nesting past the limit is not a body they could sign anyway.
  if (exceedsJsonDepth(text)) return null;
  let value: Value;
  try {
    const parser = new Parser(text);
    value = parser.parseDocument();
  } catch {
    return null;
  }
  return serialise(value, form);
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): Value {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos !== this.text.length) throw new SyntaxError("trailing characters");
    return value;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && " \t\n\r".includes(this.text[this.pos]!)) this.pos++;
  }

  private parseValue(): Value {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === "{") return this.parseObject();
    if (c === "[") return this.parseArray();
    if (c === '"') return { kind: "string", value: this.parseString() };
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { kind: "literal", text: word };
      }
    }
    const match = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const m = match.exec(this.text);
    if (m === null) throw new SyntaxError("unexpected token");
    this.pos += m[0].length;
    const isFloat = m[1] !== undefined || m[2] !== undefined;
    return { kind: "literal", text: isFloat ? pythonFloatRepr(Number(m[0])) : pythonInt(m[0]) };
  }

  private parseObject(): Value {
    this.pos++;
    const entries = new Map<string, Value>();
    this.skipSpace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return { kind: "object", entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') throw new SyntaxError("expected a key");
      const key = this.parseString();
      this.skipSpace();
      if (this.text[this.pos++] !== ":") throw new SyntaxError("expected ':'");
      // A repeated key keeps its last value, as in both Python and JavaScript.
      entries.delete(key);
      entries.set(key, this.parseValue());
      this.skipSpace();
      const sep = this.text[this.pos++];
      if (sep === "}") return { kind: "object", entries };
      if (sep !== ",") throw new SyntaxError("expected ',' or '}'");
    }
  }

  private parseArray(): Value {
    this.pos++;
    const items: Value[] = [];
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return { kind: "array", items };
    }
    for (;;) {
      items.push(this.parseValue());
      this.skipSpace();
      const sep = this.text[this.pos++];
      if (sep === "]") return { kind: "array", items };
      if (sep !== ",") throw new SyntaxError("expected ',' or ']'");
    }
  }

  private parseString(): string {
    // eslint-disable-next-line no-control-regex -- JSON strings may not hold raw control characters.
    const string = /"(?:[^"\\\u0000-\u001f]+|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    string.lastIndex = this.pos;
    const m = string.exec(this.text);
    if (m === null) throw new SyntaxError("invalid string");
    this.pos += m[0].length;
    return JSON.parse(m[0]) as string;
  }
}

function serialise(value: Value, form: CanonicalForm): string {
  switch (value.kind) {
    case "literal":
      return value.text;
    case "string":
      return quote(value.value, form);
    case "array":
      return `[${value.items.map((v) => serialise(v, form)).join(",")}]`;
    case "object": {
      const keys = [...value.entries.keys()].sort(compareCodePoints);
      return `{${keys.map((k) => `${quote(k, form)}:${serialise(value.entries.get(k)!, form)}`).join(",")}}`;
    }
    default: {
      const never: never = value;
      throw new Error(`unknown JSON value ${String(never)}`);
    }
  }
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** Python's json string encoders: with ensure_ascii every unit outside ' '..'~' is \uXXXX (lower-case hex). */
function quote(s: string, form: CanonicalForm): string {
  // eslint-disable-next-line no-control-regex -- Python escapes control characters, as JSON requires.
  const escape = form === "ascii" ? /["\\\u0000-\u001f\u007f-\uffff]/g : /["\\\u0000-\u001f]/g;
  return `"${s.replace(escape, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/** Python sorts str keys by code point; JavaScript's default sort compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done === true || y.done === true) return (x.done === true ? 0 : 1) - (y.done === true ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function pythonInt(literal: string): string {
  return literal === "-0" ? "0" : literal;
}

/** Python's `repr(float)`: the shortest round-tripping digits, exponent form below 1e-4 or from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exp] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const decpt = Number(exp) + 1;
  if (decpt <= -4 || decpt > 16) {
    const e = decpt - 1;
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${rest}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}
