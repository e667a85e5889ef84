import type { OpenApiDocument } from "./openapi-document";

/** JSON Schema as zod emits it: only the keywords the reference shows. */
type Schema = {
  $ref?: string;
  type?: string | string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  default?: unknown;
  description?: string;
};
type SecurityScheme = { type?: string; scheme?: string; description?: string };
type Parameter = { in: string; name: string; required?: boolean; schema?: Schema; description?: string };
type MediaTypes = Record<string, { schema?: Schema }>;
type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: MediaTypes };
  responses?: Record<string, { description?: string; content?: MediaTypes; headers?: Record<string, unknown> }>;
};

export const GENERATED_BEGIN = "<!-- BEGIN GENERATED REFERENCE: `npm run docs:api` rewrites what follows -->";
export const GENERATED_END = "<!-- END GENERATED REFERENCE -->";

const METHODS = ["get", "put", "post", "patch", "delete"] as const;

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n+/g, " ");

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

function range(min: number | undefined, max: number | undefined, unit = ""): string {
  // zod bounds every integer to the safe range: not worth a mention.
  if (min === Number.MIN_SAFE_INTEGER) min = undefined;
  if (max === Number.MAX_SAFE_INTEGER) max = undefined;
  if (min === undefined && max === undefined) return "";
  if (max === undefined) return ` ≥ ${min}${unit}`;
  if (min === undefined) return ` ≤ ${max}${unit}`;
  return ` ${min}..${max}${unit}`;
}

/** A compact type: `integer 1..200`, `"a" | "b"`, `Run[]`, `string (uuid) | null`. */
export function typeOf(s: Schema | undefined): string {
  if (s === undefined || Object.keys(s).filter((k) => k !== "description" && k !== "default").length === 0) {
    return "any";
  }
  if (s.$ref !== undefined) return `\`${refName(s.$ref)}\``;
  const union = s.anyOf ?? s.oneOf;
  if (union !== undefined) return union.map(typeOf).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum !== undefined) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  switch (type) {
    case "string": {
      const format = s.format !== undefined ? ` (${s.format})` : "";
      const pattern =
        s.format === undefined && s.pattern !== undefined && s.pattern.length <= 40 ? ` \`${s.pattern}\`` : "";
      return `string${format}${range(s.minLength, s.maxLength, " chars")}${pattern}`;
    }
    case "integer":
    case "number": {
      const exclusive = s.exclusiveMinimum !== undefined ? ` > ${s.exclusiveMinimum}` : "";
      return `${type}${range(s.minimum, s.maximum)}${exclusive}`;
    }
    case "array": {
      const item = typeOf(s.items);
      return `${item.includes(" | ") ? `(${item})` : item}[]${range(s.minItems, s.maxItems, " items")}`;
    }
    case "object":
      if (s.properties === undefined && typeof s.additionalProperties === "object") {
        return `map of ${typeOf(s.additionalProperties)}`;
      }
      return "object";
    default:
      return type ?? "any";
  }
}

/** The object a schema describes, if any (through `X | null`). */
function objectOf(s: Schema | undefined): Schema | undefined {
  if (s === undefined) return undefined;
  if (s.properties !== undefined) return s;
  const union = s.anyOf ?? s.oneOf;
  if (union !== undefined && union.length === 2 && union.some((u) => u.type === "null")) {
    return objectOf(union.find((u) => u.type !== "null"));
  }
  if (s.type === "array") return objectOf(s.items);
  return undefined;
}

/** One row per field, nested objects flattened as `a.b` and arrays of objects as `a[].b`. */
function fieldRows(s: Schema, prefix = ""): string[] {
  const rows: string[] = [];
  for (const [name, field] of Object.entries(s.properties ?? {})) {
    const required = (s.required ?? []).includes(name) ? "yes" : "";
    const def = field.default !== undefined ? `\`${JSON.stringify(field.default)}\`` : "";
    rows.push(
      `| \`${prefix}${name}\` | ${cell(typeOf(field))} | ${required} | ${def} | ${cell(field.description ?? "")} |`,
    );
    const nested = field.$ref === undefined ? objectOf(field) : undefined;
    if (nested !== undefined) rows.push(...fieldRows(nested, `${prefix}${name}${field.type === "array" ? "[]" : ""}.`));
  }
  return rows;
}

function fieldTable(s: Schema): string[] {
  return ["| field | type | required | default | description |", "| --- | --- | --- | --- | --- |", ...fieldRows(s)];
}

/** An operation's own security, when it differs from the document's (an API token). */
function authLine(security: unknown[] | undefined, schemes: Record<string, SecurityScheme>): string | undefined {
  if (security === undefined) return undefined;
  if (security.length === 0) return "Public (no API token).";
  const alternatives = security.map((requirement) => {
    const names = Object.keys(requirement as object);
    if (names.length === 0) return "none";
    return names
      .map((name) => {
        const scheme = schemes[name];
        const kind = scheme?.scheme === "basic" ? "HTTP Basic" : scheme?.scheme === "bearer" ? "Bearer" : scheme?.type;
        return `\`${name}\` (${kind ?? "?"}): ${scheme?.description ?? ""}`.trim();
      })
      .join(" and ");
  });
  return `Auth, not an API token: ${alternatives.join(", or ")}`;
}

function renderOperation(
  method: string,
  path: string,
  op: Operation,
  schemes: Record<string, SecurityScheme>,
): string[] {
  const lines = [`#### \`${method} ${path}\`: ${op.summary ?? ""}`, ""];
  if (op.description !== undefined) lines.push(op.description, "");
  const auth = authLine(op.security, schemes);
  if (auth !== undefined) lines.push(auth, "");
  const params = op.parameters ?? [];
  if (params.length > 0) {
    lines.push("| parameter | in | type | required | default | description |", "| --- | --- | --- | --- | --- | --- |");
    for (const p of params) {
      const def = p.schema?.default !== undefined ? `\`${JSON.stringify(p.schema.default)}\`` : "";
      const description = p.description ?? p.schema?.description ?? "";
      lines.push(
        `| \`${p.name}\` | ${p.in} | ${cell(typeOf(p.schema))} | ${p.required === true ? "yes" : ""} | ${def} | ${cell(description)} |`,
      );
    }
    lines.push("");
  }
  const body = op.requestBody;
  if (body !== undefined) {
    const [mediaType, media] = Object.entries(body.content ?? {})[0] ?? ["", {}];
    const object = objectOf(media.schema);
    const note = body.required === true ? "required" : "optional";
    lines.push(`Body (\`${mediaType}\`, ${note}): ${object === undefined ? typeOf(media.schema) : "an object"}.`);
    if (body.description !== undefined) lines.push(body.description);
    lines.push("");
    if (object !== undefined && Object.keys(object.properties ?? {}).length > 0) lines.push(...fieldTable(object), "");
  }
  const responses = Object.entries(op.responses ?? {});
  lines.push("Responses:");
  for (const [status, r] of responses) {
    const schema = Object.values(r.content ?? {})[0]?.schema;
    const headers =
      r.headers === undefined
        ? ""
        : `; headers ${Object.keys(r.headers)
            .map((h) => `\`${h}\``)
            .join(", ")}`;
    lines.push(
      `- \`${status}\` ${cell(r.description ?? "")}${schema === undefined ? "" : `: ${typeOf(schema)}`}${headers}`,
    );
  }
  lines.push("");
  // A response object without a schema of its own in Schemas: its fields here.
  for (const [status, r] of responses) {
    const schema = Object.values(r.content ?? {})[0]?.schema;
    const object = schema?.$ref === undefined ? objectOf(schema) : undefined;
    if (object === undefined || Object.keys(object.properties ?? {}).length === 0) continue;
    lines.push(`\`${status}\` fields:`, "", ...fieldTable(object), "");
  }
  return lines;
}

/** The reference section of docs/api.md: operations grouped by tag, then the shared schemas. */
export function renderApiMarkdown(document: OpenApiDocument): string {
  const out: string[] = [GENERATED_BEGIN, "", "## Reference", ""];
  const operations: { tag: string; method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (op !== undefined) operations.push({ tag: op.tags?.[0] ?? "Other", method, path, op });
    }
  }
  const schemes = (document.components?.securitySchemes ?? {}) as Record<string, SecurityScheme>;
  const tags = [...(document.tags ?? []).map((t) => t.name), "Other"];
  for (const tag of tags) {
    const inTag = operations.filter((o) => o.tag === tag);
    if (inTag.length === 0) continue;
    out.push(`### ${tag}`, "");
    const description = document.tags?.find((t) => t.name === tag)?.description;
    if (description !== undefined) out.push(description, "");
    // Operations of one path that differ only in their method and operationId (the webhook) are shown once.
    const sameAs = (o: (typeof inTag)[number]) => JSON.stringify({ ...o.op, operationId: undefined, path: o.path });
    for (let i = 0; i < inTag.length;) {
      let j = i + 1;
      while (j < inTag.length && sameAs(inTag[j]!) === sameAs(inTag[i]!)) j++;
      const methods = inTag.slice(i, j).map((o) => o.method.toUpperCase());
      out.push(...renderOperation(methods.join("|"), inTag[i]!.path, inTag[i]!.op, schemes));
      i = j;
    }
  }
  out.push("## Schemas", "");
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    out.push(`### \`${name}\``, "", ...fieldTable(schema as Schema), "");
  }
  out.push(GENERATED_END);
  return `${out.join("\n")}\n`;
}

/** `markdown` with its generated section replaced (appended when it has none); the hand-written rest is kept. */
export function replaceGeneratedSection(markdown: string, generated: string): string {
  const begin = markdown.indexOf(GENERATED_BEGIN);
  const end = markdown.indexOf(GENERATED_END);
  if (begin === -1 || end === -1) return `${markdown.trimEnd()}\n\n${generated}`;
  return markdown.slice(0, begin) + generated + markdown.slice(end + GENERATED_END.length).replace(/^\n/, "");
}
