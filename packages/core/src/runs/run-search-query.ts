import { z } from "zod";
import { ValidationError } from "../errors";
import { isUuid } from "../workflows/resolve-workflow";
import { RUN_STATUSES } from "./run-status";

/** How many of the most recent matching runs one page of a bare-value search looks through. */
export const VALUE_SEARCH_WINDOW = 5_000;

const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
/** An instant; a naive datetime is UTC. */
const Instant = z.iso
  .datetime({ offset: true, local: true, message: "must be an ISO-8601 datetime" })
  .transform((s) => new Date(HAS_OFFSET.test(s) ? s : `${s}Z`));

/** `GET /api/runs`: every filter optional; an unknown parameter is refused, so a misspelt filter never reads as "all". */
export const SearchRunsQuery = z
  .strictObject({
    workflow: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: "A workflow's UUID or handle (404 when unknown)" }),
    status: z.enum(RUN_STATUSES).optional(),
    parent: z
      .uuid("parent must be a run id (a UUID)")
      .optional()
      .meta({ description: "A run's id: its child runs (created by its workflow and map nodes)" }),
    triggered_by: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "`webhook`, `cron`, `manual`, `manual_batch`, a manual dispatch's label, ..." }),
    created_after: Instant.optional().meta({
      description: "Inclusive. ISO-8601; a datetime without an offset is UTC",
    }),
    created_before: Instant.optional().meta({
      description: "Exclusive. ISO-8601; a datetime without an offset is UTC. Must be after `created_after`",
    }),
    q: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .meta({
        description:
          "A run id: that run. `path.to.key=value`: runs whose input payload has that value there (a value reading " +
          "as a number, `true`, `false` or `null` also matches its string form; indexed). A JSON object: runs whose " +
          "input payload contains it (indexed). The index holds finished runs: pending, running and waiting runs are " +
          "checked one by one. Anything else: that value (as a string, or a number when it reads as " +
          "one) anywhere in the input payload; no index serves this, so each page looks through the " +
          `${VALUE_SEARCH_WINDOW.toLocaleString("en-US")} most recent runs matching the other filters, and ` +
          "`X-Next-Cursor` goes on from there",
      }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional().meta({ description: "The previous page's `X-Next-Cursor`" }),
  })
  .refine(
    (q) => q.created_after === undefined || q.created_before === undefined || q.created_after < q.created_before,
    {
      message: "created_after must be before created_before",
      path: ["created_after"],
    },
  );
export type SearchRunsQuery = z.infer<typeof SearchRunsQuery>;

/**
 * What `q` asks for:
 * - a UUID: that run;
 * - a JSON object: runs whose input payload contains it (`@>`, served by the GIN index);
 * - `path.to.key=value`: the same containment, built from the path (a value that reads as a JSON number, boolean
 *   or null also matches its string form);
 * - anything else: the value as a string (or as a number too, when it reads as one) anywhere in the payload. No index can
 *   serve that, so it scans a bounded window of the most recent runs matching the other filters.
 */
export type RunSearchTerm =
  | { kind: "id"; id: string }
  | { kind: "contains"; documents: Record<string, unknown>[] }
  | { kind: "value"; text: string; number: number | null };

const PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

function nest(path: string, value: unknown): Record<string, unknown> {
  return path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

export function parseRunSearchTerm(q: string): RunSearchTerm {
  if (isUuid(q)) return { kind: "id", id: q.toLowerCase() };
  if (q.startsWith("{")) {
    let doc: unknown;
    try {
      doc = JSON.parse(q);
    } catch {
      throw new ValidationError("q: a search starting with '{' must be a JSON object");
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      throw new ValidationError("q: a search starting with '{' must be a JSON object");
    }
    return { kind: "contains", documents: [doc as Record<string, unknown>] };
  }
  const eq = q.indexOf("=");
  if (eq > 0 && PATH.test(q.slice(0, eq).trim())) {
    const path = q.slice(0, eq).trim();
    const raw = q.slice(eq + 1).trim();
    const documents = [nest(path, raw)];
    const scalar = readScalar(raw);
    if (scalar !== undefined) documents.push(nest(path, scalar));
    return { kind: "contains", documents };
  }
  const n = readScalar(q);
  return { kind: "value", text: q, number: typeof n === "number" ? n : null };
}

/** A JSON number, boolean or null written as text; undefined for anything else. */
function readScalar(raw: string): number | boolean | null | undefined {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw === "null") return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw) && Number.isFinite(Number(raw))) return Number(raw);
  return undefined;
}
