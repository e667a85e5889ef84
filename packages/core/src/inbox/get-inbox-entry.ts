import { queryRows, type Db } from "../db";
import { NotFoundError } from "../errors";
import { isUuid } from "../workflows/resolve-workflow";
import { INBOX_COLUMNS, type InboxRow } from "./inbox-response";

export type InboxEntry = { row: InboxRow; body: Buffer };

/** One inbox entry with its raw body; 404 "Inbox entry not found" (an id that is not a UUID cannot exist). */
export async function getInboxEntry(db: Db, id: string): Promise<InboxEntry> {
  if (!isUuid(id)) throw new NotFoundError("Inbox entry not found");
  const [found] = await queryRows<InboxRow & { body: Buffer }>(
    db,
    `SELECT ${INBOX_COLUMNS}, e.body FROM webhook_inbox e WHERE e.id = $1::uuid`,
    [id],
    true,
  );
  if (found === undefined) throw new NotFoundError("Inbox entry not found");
  const { body, ...row } = found;
  return { row, body };
}
