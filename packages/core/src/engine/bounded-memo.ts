/**
 * Memoises a pure function of a string. Graphs are immutable, so the same strings come back run after run;
 * the bound keeps a long-lived worker's memory flat when many versions pass through (recomputing is only slower).
 */
export function boundedMemo<T>(compute: (source: string) => T, maxEntries = 10_000): (source: string) => T {
  const cache = new Map<string, T>();
  return (source) => {
    let value = cache.get(source);
    if (value === undefined) {
      value = compute(source);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(source, value);
    }
    return value;
  };
}
