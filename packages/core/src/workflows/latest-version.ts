import type { Db } from "../db";
import { NotFoundError } from "../errors";

/** The workflow's newest version; 404 "Workflow version not found" when it has none. */
export async function latestVersion(db: Db, workflowId: string) {
  const version = await db.workflowVersion.findFirst({ where: { workflowId }, orderBy: { version: "desc" } });
  if (version === null) throw new NotFoundError("Workflow version not found");
  return version;
}
