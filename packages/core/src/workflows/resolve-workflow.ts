import type { Db } from "../db";
import { NotFoundError } from "../errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** A workflow addressed by UUID or handle; 404 "Workflow not found" otherwise (also when archived, with `activeOnly`: triggers never create runs for archived workflows). */
export async function resolveWorkflow(db: Db, ref: string, opts: { activeOnly?: boolean } = {}) {
  const workflow = isUuid(ref)
    ? await db.workflow.findUnique({ where: { id: ref.toLowerCase() } })
    : ref.length <= 200 && !ref.includes("\u0000")
      ? await db.workflow.findUnique({ where: { handle: ref } })
      : null;
  if (workflow === null || (workflow.isArchived && opts.activeOnly === true)) {
    throw new NotFoundError("Workflow not found");
  }
  return workflow;
}
