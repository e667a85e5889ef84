import type { Db } from "../db";
import { NotFoundError } from "../errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** What a workflow reference names: a UUID is an id, anything else a handle; null when it can name none. */
export function parseWorkflowRef(ref: string): { id: string } | { handle: string } | null {
  if (isUuid(ref)) return { id: ref.toLowerCase() };
  return ref.length <= 200 && !ref.includes("\u0000") ? { handle: ref } : null;
}

/** A workflow addressed by UUID or handle; 404 "Workflow not found" otherwise (also when archived, with `activeOnly`: triggers never create runs for archived workflows). */
export async function resolveWorkflow(db: Db, ref: string, opts: { activeOnly?: boolean } = {}) {
  const where = parseWorkflowRef(ref);
  const workflow = where === null ? null : await db.workflow.findUnique({ where });
  if (workflow === null || (workflow.isArchived && opts.activeOnly === true)) {
    throw new NotFoundError("Workflow not found");
  }
  return workflow;
}
