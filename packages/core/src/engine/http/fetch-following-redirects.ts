import type { Agent, Headers, Response } from "undici";
import { NodeError } from "../node-type";

export type OutgoingRequest = { url: URL; method: string; headers: Headers; body: string | undefined };

/** Statuses whose Location is followed; 300, 304 and 305 are answers in their own right. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Credentials for one origin: not carried to another. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];
/** Describe the body: dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

/**
 * Sends `request` and follows up to `maxRedirects` redirects itself (undici's `redirect: "manual"`), so each hop
 * connects through `agent` and its address checks. 303, and 301/302 after a POST, continue as a GET without the
 * body (as browsers do); 307/308 repeat the method and body. A hop to another origin drops Authorization, Cookie
 * and Proxy-Authorization. With `maxRedirects` 0 a redirect is the answer. Returns the final response and its URL.
 */
export async function fetchFollowingRedirects(
  request: OutgoingRequest,
  options: { agent: Agent; maxRedirects: number; signal: AbortSignal },
): Promise<{ response: Response; url: URL }> {
  const { fetch } = await import("undici");
  let { url, method, body } = request;
  const headers = request.headers;
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, {
      method,
      headers,
      body,
      redirect: "manual",
      dispatcher: options.agent,
      signal: options.signal,
    });
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || location === null || options.maxRedirects === 0) return { response, url };
    await response.body?.cancel().catch(() => undefined);
    if (hop >= options.maxRedirects) {
      throw new NodeError(
        `too many redirects: more than max_redirects (${options.maxRedirects}) from ${describe(request.url)}`,
      );
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new NodeError(`redirect ${response.status} from ${describe(url)} has an invalid Location`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new NodeError(`redirect ${response.status} from ${describe(url)} leads to a ${next.protocol} URL`);
    }
    const toGet = response.status === 303 ? method !== "HEAD" : response.status <= 302 && method === "POST";
    if (toGet) {
      method = "GET";
      body = undefined;
      for (const name of BODY_HEADERS) headers.delete(name);
    }
    if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    url = next;
  }
}

/** Origin and path: never the query, which may carry a token. */
export function describe(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
