/** A page of a keyset-paginated list route and the cursor of the next (its `X-Next-Cursor`), null on the last. */
export type Paged = { next_cursor: string | null };

/** Every page from `cursor` on, each fetched as the loop asks for it. */
export async function* everyPage<P extends Paged>(
  page: (cursor: string | undefined) => Promise<P>,
  cursor?: string,
): AsyncGenerator<P, void, undefined> {
  for (;;) {
    const next = await page(cursor);
    yield next;
    if (next.next_cursor === null) return;
    cursor = next.next_cursor;
  }
}
