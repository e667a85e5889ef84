import jsonata from "jsonata";
import { ExpressionBudget } from "./expression-budget";
import { buildError, DEFAULT_EXPRESSION_LIMITS } from "./expression-limits";
import { jsonSizeWithin } from "./json-size";

/** The binding that carries an evaluation's budget; its space keeps any JSONata `$name` from reading it. */
export const BUDGET_BINDING = "expression budget";

type Impl = (this: Focus, ...args: any[]) => unknown;
/** The `this` JSONata gives a built-in function. */
type Focus = { environment: { base: { lookup: (name: string) => unknown }; lookup: (name: string) => unknown } };
type Library = Record<(typeof WRAPPED)[number], { implementation: Impl }>;

/** The JSONata built-ins that can build much more than their arguments hold in one step, outside the hooks. */
const WRAPPED = [
  "pad",
  "join",
  "replace",
  "split",
  "match",
  "string",
  "clone",
  "distinct",
  "sort",
  "fromMillis",
  "formatInteger",
  "formatNumber",
  "toMillis",
  "parseInteger",
] as const;

let library: Promise<Library> | null = null;
/** The originals, read once from JSONata itself (evaluation is the only way to reach them). */
function originals(): Promise<Library> {
  library ??= (async () => {
    const fns = (await jsonata(`[${WRAPPED.map((n) => `$${n}`).join(", ")}]`).evaluate({})) as {
      implementation: Impl;
    }[];
    return Object.fromEntries(WRAPPED.map((n, i) => [n, fns[i]!])) as Library;
  })();
  return library;
}

/** The evaluation's budget; a fresh one with the defaults when it was evaluated without (not by evaluateExpression). */
function budgetOf(focus: Focus): ExpressionBudget {
  const budget = focus.environment.base.lookup(BUDGET_BINDING);
  return budget instanceof ExpressionBudget ? budget : new ExpressionBudget(DEFAULT_EXPRESSION_LIMITS);
}

async function call(focus: Focus, name: (typeof WRAPPED)[number], args: unknown[]): Promise<unknown> {
  return (await originals())[name].implementation.apply(focus, args);
}

/** A JSONata matcher (a regex's closure) that counts each match against the budget and lets the loop breathe. */
type Match = { match: string; start: number; end: number; groups: string[]; next: () => Match | undefined };
function countedMatcher(
  matcher: (str: string) => Promise<Match | undefined> | Match | undefined,
  budget: ExpressionBudget,
  cost: (m: Match) => number,
): (str: string) => Promise<Match | undefined> {
  const wrap = async (m: Match | undefined): Promise<Match | undefined> => {
    if (m === undefined) return undefined;
    budget.assertRoom(cost(m));
    await budget.tick();
    return { ...m, next: () => wrap(m.next()) as unknown as Match | undefined };
  };
  return async (str) => wrap(await matcher(str));
}

function occurrences(str: string, token: string, limit: number | undefined): number {
  let count = 0;
  for (
    let i = str.indexOf(token);
    i !== -1 && (limit === undefined || count < limit);
    i = str.indexOf(token, i + token.length)
  )
    count++;
  return count;
}

/** The most text a date/number picture can expand to: its length plus every width it names. */
function pictureCost(picture: unknown): number {
  if (typeof picture !== "string") return 0;
  let cost = picture.length;
  for (const digits of picture.match(/\d+/g) ?? []) cost += Number(digits);
  return cost;
}

const implementations: Record<(typeof WRAPPED)[number], Impl> = {
  async pad(str: string | undefined, width: number, char?: string) {
    if (str !== undefined) {
      budgetOf(this).assertRoom(str.length + Math.abs(Math.trunc(width)) * Math.max(1, char?.length ?? 1));
    }
    return call(this, "pad", [str, width, char]);
  },
  async join(strs: string[] | undefined, separator?: string) {
    if (Array.isArray(strs)) {
      let total = (separator?.length ?? 0) * Math.max(0, strs.length - 1);
      for (const s of strs) total += typeof s === "string" ? s.length : 0;
      budgetOf(this).assertRoom(total);
    }
    return call(this, "join", [strs, separator]);
  },
  async replace(str: string | undefined, pattern: unknown, replacement: unknown, limit?: number) {
    if (str === undefined) return call(this, "replace", [str, pattern, replacement, limit]);
    const budget = budgetOf(this);
    if (typeof pattern === "string") {
      if (pattern !== "") {
        budget.assertRoom(str.length + occurrences(str, pattern, limit) * String(replacement).length);
      }
      return call(this, "replace", [str, pattern, replacement, limit]);
    }
    // Each match adds at most the replacement, with every `$n` in it standing for at most the whole match.
    let added = 0;
    let replacer = replacement;
    if (typeof replacement === "function") {
      const fn = replacement as (m: Match) => Promise<unknown>;
      replacer = Object.assign(
        async (m: Match) => {
          const out = await fn(m);
          if (typeof out === "string") {
            added += out.length;
            budget.assertRoom(str.length + added);
          }
          return out;
        },
        { arity: (replacement as { arity?: number }).arity },
      );
    }
    const text = typeof replacement === "string" ? replacement : "";
    const refs = text.split("$").length - 1;
    const matcher = countedMatcher(pattern as (s: string) => Match | undefined, budget, (m) => {
      added += text.length + refs * m.match.length;
      return str.length + added;
    });
    return call(this, "replace", [str, matcher, replacer, limit]);
  },
  async split(str: string | undefined, separator: unknown, limit?: number) {
    if (str === undefined) return call(this, "split", [str, separator, limit]);
    const budget = budgetOf(this);
    if (typeof separator === "string") {
      budget.assertRoom(separator === "" ? str.length : occurrences(str, separator, limit) + 1);
      return call(this, "split", [str, separator, limit]);
    }
    let pieces = 1;
    const matcher = countedMatcher(separator as (s: string) => Match | undefined, budget, () => ++pieces);
    return call(this, "split", [str, matcher, limit]);
  },
  async match(str: string | undefined, regex: unknown, limit?: number) {
    if (str === undefined) return call(this, "match", [str, regex, limit]);
    let built = 0;
    const matcher = countedMatcher(regex as (s: string) => Match | undefined, budgetOf(this), (m) => {
      built += 4 + m.match.length + m.groups.reduce((n, g) => n + (g?.length ?? 0) + 1, 0);
      return built;
    });
    return call(this, "match", [str, matcher, limit]);
  },
  // One declared parameter, as JSONata's own (`prettify = false`): higher-order functions pass as many arguments.
  async string(arg: unknown, ...rest: [boolean?]) {
    const prettify = rest[0];
    if (typeof arg === "object" && arg !== null) {
      const budget = budgetOf(this);
      const size = jsonSizeWithin(arg, budget.room(), { pretty: prettify === true, functionsAsEmpty: true });
      if (size === null) throw buildError(budget.limits);
    }
    return call(this, "string", prettify === undefined ? [arg] : [arg, prettify]);
  },
  async clone(arg: unknown) {
    if (typeof arg === "object" && arg !== null) {
      const budget = budgetOf(this);
      if (jsonSizeWithin(arg, budget.room(), { functionsAsEmpty: true }) === null) throw buildError(budget.limits);
    }
    return call(this, "clone", [arg]);
  },
  // JSONata compares every item with every kept one (quadratic, synchronous): one pass with a key per value.
  async distinct(arr: unknown) {
    if (!Array.isArray(arr) || arr.length <= 1) return arr;
    const budget = budgetOf(this);
    budget.sizeOf(arr);
    // Primitives by value, objects and arrays by a canonical text: two sets, so a string never meets a text.
    const values = new Set<unknown>();
    const texts = new Set<string>();
    const out = (arr as { sequence?: boolean }).sequence === true ? createSequence(this) : [];
    for (const item of arr as unknown[]) {
      const seen = typeof item === "object" && item !== null ? texts : values;
      const key = seen === texts ? canonicalText(item) : item;
      if (seen.has(key as string)) continue;
      seen.add(key as string);
      out.push(item);
    }
    return out;
  },
  // Without a comparator JSONata merge-sorts by slicing, in microtasks that never reach the hooks.
  async sort(arr: unknown, comparator?: unknown) {
    if (comparator === undefined && Array.isArray(arr) && arr.length > 1) {
      const items = arr as unknown[];
      if (items.every((v) => typeof v === "number") || items.every((v) => typeof v === "string")) {
        return [...(items as (number | string)[])].sort((a, b) => (a > b ? 1 : a < b ? -1 : 0));
      }
    }
    return call(this, "sort", comparator === undefined ? [arr] : [arr, comparator]);
  },
  async fromMillis(millis: number, picture?: string, timezone?: string) {
    budgetOf(this).assertRoom(pictureCost(picture));
    return call(this, "fromMillis", [millis, picture, timezone]);
  },
  async formatInteger(value: number, picture: string) {
    budgetOf(this).assertRoom(pictureCost(picture));
    return call(this, "formatInteger", [value, picture]);
  },
  async formatNumber(value: number, picture: string, options?: unknown) {
    budgetOf(this).assertRoom(pictureCost(picture));
    return call(this, "formatNumber", [value, picture, options]);
  },
  async toMillis(timestamp: string, picture?: string) {
    budgetOf(this).assertRoom(pictureCost(picture));
    return call(this, "toMillis", [timestamp, picture]);
  },
  async parseInteger(value: string, picture: string) {
    budgetOf(this).assertRoom(pictureCost(picture));
    return call(this, "parseInteger", [value, picture]);
  },
};

function createSequence(focus: Focus): unknown[] {
  return (focus as unknown as { createSequence: () => unknown[] }).createSequence();
}

/** Objects JSONata's deep equality treats as equal get the same text (keys in any order). */
function canonicalText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/** The signatures JSONata declares for them (jsonata.js, function registration). */
const SIGNATURES: Record<(typeof WRAPPED)[number], string> = {
  pad: "<s-ns?:s>",
  join: "<a<s>s?:s>",
  replace: "<s-(sf)(sf)n?:s>",
  split: "<s-(sf)n?:a<s>>",
  match: "<s-f<s:o>n?:a<o>>",
  string: "<x-b?:s>",
  clone: "<(oa)-:o>",
  distinct: "<x:x>",
  sort: "<af?:a>",
  fromMillis: "<n-s?s?:s>",
  formatInteger: "<n-s:s>",
  formatNumber: "<n-so?:s>",
  toMillis: "<s-s?:n>",
  parseInteger: "<s-s:n>",
};

/** `$now(picture)` formats the evaluation's timestamp (each frame carries it) as `$fromMillis` would. */
async function now(this: Focus, picture?: string, timezone?: string): Promise<unknown> {
  budgetOf(this).assertRoom(pictureCost(picture));
  const timestamp = (this.environment as { timestamp?: Date | null }).timestamp;
  return call(this, "fromMillis", [timestamp?.getTime() ?? Date.now(), picture, timezone]);
}

/** Shadows the amplifying built-ins in one compiled expression with their bounded versions. */
export function installBoundedFunctions(expression: jsonata.Expression): void {
  for (const name of WRAPPED) {
    expression.registerFunction(name, implementations[name] as (...args: any[]) => any, SIGNATURES[name]);
  }
  expression.registerFunction("now", now as (...args: any[]) => any, "<s?s?:s>");
}
