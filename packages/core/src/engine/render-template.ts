import { setOwn } from "../proto-keys";
import { boundedMemo } from "./bounded-memo";
import { evaluateExpression, type EvaluationOptions } from "./compile-expression";

/**
 * A parsed template string. `value`: the whole string is one `{{ expr }}` and takes the expression's value with
 * its type. `text`: literal parts and expressions interpolated as text. `literal`: no template at all.
 */
export type Template =
  | { kind: "literal"; text: string }
  | { kind: "value"; expression: string }
  | { kind: "text"; parts: ({ text: string } | { expression: string })[] };

// Lazy, so `{{ a }} and {{ b }}` is two expressions. An expression cannot itself contain `}}`.
const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

/** Parses a string once per distinct value (graphs are immutable, so the same strings come back). */
export const parseTemplate: (source: string) => Template = boundedMemo((source) => parseUncached(source));

function parseUncached(source: string): Template {
  if (!source.includes("{{")) return { kind: "literal", text: source };
  const parts: ({ text: string } | { expression: string })[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: source.slice(last, match.index) });
    parts.push({ expression: (match[1] ?? "").trim() });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  const only = parts[0];
  if (parts.length === 1 && only !== undefined && "expression" in only)
    return { kind: "value", expression: only.expression };
  if (parts.every((p) => "text" in p)) return { kind: "literal", text: source };
  return { kind: "text", parts };
}

/** True when `value` (any JSON) holds at least one `{{ expr }}`: such params are rendered per run. */
export function hasTemplate(value: unknown): boolean {
  if (typeof value === "string") return parseTemplate(value).kind !== "literal";
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (typeof value === "object" && value !== null) return Object.values(value).some(hasTemplate);
  return false;
}

/** Every expression in the templates of `value`, with the JSON path where it sits (for validation). */
export function listTemplateExpressions(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; expression: string }[] {
  if (typeof value === "string") {
    const t = parseTemplate(value);
    if (t.kind === "value") return [{ path, expression: t.expression }];
    if (t.kind === "text")
      return t.parts.flatMap((p) => ("expression" in p ? [{ path, expression: p.expression }] : []));
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => listTemplateExpressions(v, [...path, i]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => listTemplateExpressions(v, [...path, k]));
  }
  return [];
}

/** How an interpolated value reads inside text: strings as is, nothing as "", anything else as JSON. */
export function toText(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? "";
}

/**
 * Renders every template in `value` against the run context. Object keys whose value renders to `undefined`
 * (an expression with no match) are dropped, so the param's default applies. Every key is kept as data, a
 * `__proto__` one too (an own property, never the object's prototype).
 */
export async function renderTemplate(
  value: unknown,
  context: unknown,
  options: EvaluationOptions = {},
): Promise<unknown> {
  if (typeof value === "string") return renderString(value, context, options);
  if (Array.isArray(value)) return Promise.all(value.map((v) => renderTemplate(v, context, options)));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const rendered = await renderTemplate(v, context, options);
      if (rendered !== undefined) setOwn(out, k, rendered);
    }
    return out;
  }
  return value;
}

async function renderString(source: string, context: unknown, options: EvaluationOptions): Promise<unknown> {
  const t = parseTemplate(source);
  switch (t.kind) {
    case "literal":
      return t.text;
    case "value":
      return evaluateExpression(t.expression, context, options);
    case "text": {
      const pieces = await Promise.all(
        t.parts.map(async (p) =>
          "text" in p ? p.text : toText(await evaluateExpression(p.expression, context, options)),
        ),
      );
      return pieces.join("");
    }
  }
}
