/** GET `<baseUrl>/metrics` (with a Bearer token when given); throws unless 200. */
export async function scrapeMetrics(baseUrl: string, token?: string): Promise<string> {
  const res = await fetch(
    `${baseUrl}/metrics`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  const text = await res.text();
  if (res.status !== 200) throw new Error(`metrics scrape answered ${res.status}: ${text}`);
  return text;
}

/**
 * The value of the sample `name` whose labels include `labels` (the Prometheus text format), undefined when there
 * is none. Label order and extra labels do not matter.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}
