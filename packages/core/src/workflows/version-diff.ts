import { structuredPatch } from "diff";

/** JSON pretty-printed with sorted keys and two-space indent (Python's json.dumps(indent=2, sort_keys=True)). */
export function prettyJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function range(start: number, length: number): string {
  // difflib: a one-line range omits its length; an empty range points at the line before.
  if (length === 1) return `${start}`;
  if (length === 0) return `${start - 1 < 0 ? 0 : start - 1},0`;
  return `${start},${length}`;
}

/** Unified diff lines between two graphs, as difflib.unified_diff(..., lineterm="") prints them. */
export function diffGraphs(base: unknown, target: unknown, baseLabel: string, targetLabel: string): string[] {
  const a = prettyJson(base);
  const b = prettyJson(target);
  if (a === b) return [];
  const patch = structuredPatch(baseLabel, targetLabel, `${a}\n`, `${b}\n`, undefined, undefined, { context: 3 });
  const lines = [`--- ${baseLabel}`, `+++ ${targetLabel}`];
  for (const h of patch.hunks) {
    const oldStart = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    lines.push(`@@ -${range(oldStart, h.oldLines)} +${range(newStart, h.newLines)} @@`);
    for (const l of h.lines) if (!l.startsWith("\\")) lines.push(l);
  }
  return lines;
}
