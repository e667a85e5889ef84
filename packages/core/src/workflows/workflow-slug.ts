import { randomUUID } from "node:crypto";

/**
 * Orcheo's slugify: lower-cased, every run of characters other than a-z and 0-9 one `-`, no `-` at either end;
 * when nothing is left, the trimmed lower-cased value itself (a name in another script keeps its letters), and a
 * random UUID for a blank one. Migration 20261203000000_workflow_slug does the same in SQL for older rows.
 */
export function workflowSlug(value: string): string {
  const lower = value.trim().toLowerCase();
  const slug = lower.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug || lower || randomUUID();
}
