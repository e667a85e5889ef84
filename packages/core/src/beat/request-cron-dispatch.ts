import { z } from "zod";
import type { Config } from "../config";

/** The API answers with the runs it created: one per due workflow, possibly none. */
const DispatchResponse = z.array(z.unknown());

export type CronDispatchResult = { created: number };

export class CronDispatchError extends Error {
  override name = "CronDispatchError";
}

/**
 * Asks the API to dispatch due cron occurrences (`POST /api/triggers/cron/dispatch`). The API decides exactly-once
 * in Postgres, so any number of beats may call it at the same moment. The first API token is the beat's service
 * token; it is sent whenever one is configured, which the API ignores while its auth is disabled.
 */
export async function requestCronDispatch(
  config: Pick<Config, "API_URL" | "API_TOKENS">,
  timeoutMs: number,
): Promise<CronDispatchResult> {
  // Appended, not resolved, so an API_URL with a path prefix (behind a proxy) keeps it.
  const url = `${config.API_URL.replace(/\/+$/, "")}/api/triggers/cron/dispatch`;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  const token = config.API_TOKENS[0];
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers, body: "{}", signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new CronDispatchError(`cron dispatch request to ${url} failed: ${describe(err)}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) {
    throw new CronDispatchError(`cron dispatch answered ${res.status}: ${text.slice(0, 200)}`);
  }
  const parsed = DispatchResponse.safeParse(safeJson(text));
  if (!parsed.success) throw new CronDispatchError("cron dispatch answered with something other than a list of runs");
  return { created: parsed.data.length };
}

/** fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, a timeout) in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
