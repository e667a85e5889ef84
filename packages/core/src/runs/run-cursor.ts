import type { RunRow } from "./run-row";

/** A keyset position in a list of runs, newest first: its (created_at, id) pair as an opaque token. */
export function encodeCursor(run: Pick<RunRow, "createdAt" | "id">): string {
  return Buffer.from(`${run.createdAt.toISOString()}|${run.id}`).toString("base64url");
}

/** null when the cursor is not one this API issued. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (at === undefined || id === undefined) return null;
  const createdAt = new Date(at);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (Number.isNaN(createdAt.getTime()) || !uuid.test(id)) return null;
  return { createdAt, id };
}
