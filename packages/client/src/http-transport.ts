import { ConnectionError, errorFromResponse, RequestTimeoutError } from "./switchyard-error";

export type ClientOptions = {
  /** The API's base URL, e.g. `http://127.0.0.1:8000` (a path prefix is kept). */
  url: string;
  /** An API key (`sy_...`) or an `API_TOKENS` entry, sent as `Authorization: Bearer`; none with AUTH_MODE=disabled. */
  token?: string | undefined;
  /** The fetch to call; the platform's global fetch by default. */
  fetch?: typeof fetch;
  /** Per request, from sending it to reading its answer; 30 s by default. Event streams have no such bound. */
  timeoutMs?: number;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
};

export type QueryValue = string | number | boolean | Date | null | undefined;

export type RequestOptions = {
  query?: Record<string, QueryValue> | undefined;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** This request's bound, in place of the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
};

export type HttpAnswer<T> = { status: number; headers: Headers; body: T };

export type Http = {
  /** A JSON request; resolves with the answer of a 2xx, rejects with a typed `SwitchyardError` otherwise. */
  request<T>(method: string, path: string, opts?: RequestOptions): Promise<HttpAnswer<T>>;
  /** Opens a response without reading it (an event stream): bounded by `signal` only. Non-2xx rejects. */
  open(path: string, opts: { headers: Record<string, string>; signal: AbortSignal }): Promise<Response>;
};

const DEFAULT_TIMEOUT_MS = 30_000;

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const s = params.toString();
  return s.length === 0 ? "" : `?${s}`;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The fetch layer under every call: base URL, auth, JSON, timeouts and the errors of failures and non-2xx answers. */
export function createHttp(options: ClientOptions): Http {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseHeaders: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) baseHeaders.authorization = `Bearer ${options.token}`;

  const send = async (method: string, path: string, init: RequestInit, signal: AbortSignal, timeout?: AbortSignal) => {
    try {
      return await doFetch(base + path, { ...init, method, signal });
    } catch (err) {
      throw failure(method, path, err, signal, timeout);
    }
  };

  return {
    async request<T>(method: string, path: string, opts: RequestOptions = {}) {
      const fullPath = path + queryString(opts.query);
      const timeout = AbortSignal.timeout(opts.timeoutMs ?? defaultTimeout);
      const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout]);
      const headers: Record<string, string> = { accept: "application/json", ...baseHeaders };
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(opts.body);
      }
      const res = await send(method, fullPath, { headers, body }, signal, timeout);
      let parsed: unknown;
      try {
        parsed = await readBody(res);
      } catch (err) {
        throw failure(method, fullPath, err, signal, timeout);
      }
      if (!res.ok) throw errorFromResponse(method, fullPath, res.status, parsed, res.headers);
      return { status: res.status, headers: res.headers, body: parsed as T };
    },

    async open(path, { headers, signal }) {
      const res = await send("GET", path, { headers: { ...baseHeaders, ...headers } }, signal);
      if (!res.ok) {
        const parsed = await readBody(res).catch(() => null);
        throw errorFromResponse("GET", path, res.status, parsed, res.headers);
      }
      return res;
    },
  };
}

/** The caller's own abort stays what it is; a timeout or a network failure becomes a typed error. */
function failure(method: string, path: string, err: unknown, signal: AbortSignal, timeout?: AbortSignal): unknown {
  if (timeout?.aborted === true && signal.reason === timeout.reason) {
    return new RequestTimeoutError({
      status: 0,
      code: "timeout",
      detail: "no answer in time",
      method,
      path,
      cause: err,
    });
  }
  if (signal.aborted) return signal.reason;
  const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
  return new ConnectionError({ status: 0, code: "connection", detail: reason, method, path, cause: err });
}
