/** At most `count` items of a paged listing, newest first: one JSON line each. */
export async function printFirst<P>(pages: AsyncIterable<P>, itemsOf: (page: P) => unknown[], count: string) {
  let left = Number(count);
  if (!Number.isInteger(left) || left < 1) return undefined;
  for await (const page of pages) {
    for (const item of itemsOf(page).slice(0, left)) console.log(JSON.stringify(item));
    left -= itemsOf(page).length;
    if (left <= 0) break;
  }
  return 0;
}
