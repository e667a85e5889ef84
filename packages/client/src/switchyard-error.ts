/** What went wrong, stable across versions: one code per kind of answer (or of failure before one). */
export type SwitchyardErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "validation"
  | "rate_limited"
  | "server_error"
  | "unavailable"
  | "timeout"
  | "connection";

/** One problem of a 422: where (`loc`, e.g. `["body", "runs", 0, "input_payload"]`) and what (`msg`). */
export type ValidationIssue = { loc: (string | number)[]; msg: string; type: string };

const CODES: Record<number, SwitchyardErrorCode> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  422: "validation",
  429: "rate_limited",
  503: "unavailable",
};

/**
 * An answer of the API other than 2xx, or a failure to get one (`status` 0: a timeout or no connection). `detail`
 * is the body's `detail` (a string, or the list of issues of a 422); the message reads
 * `METHOD /path: status detail`.
 */
export class SwitchyardError extends Error {
  override name = "SwitchyardError";
  readonly status: number;
  readonly code: SwitchyardErrorCode;
  readonly detail: unknown;
  readonly method: string;
  readonly path: string;

  constructor(init: {
    status: number;
    code?: SwitchyardErrorCode;
    detail: unknown;
    method: string;
    path: string;
    cause?: unknown;
  }) {
    const detail = typeof init.detail === "string" ? init.detail : JSON.stringify(init.detail);
    super(`${init.method} ${init.path}: ${init.status === 0 ? "" : `${init.status} `}${detail}`, {
      cause: init.cause,
    });
    this.status = init.status;
    this.code = init.code ?? CODES[init.status] ?? (init.status >= 500 ? "server_error" : "bad_request");
    this.detail = init.detail;
    this.method = init.method;
    this.path = init.path;
  }
}

export class UnauthorizedError extends SwitchyardError {
  override name = "UnauthorizedError";
}

export class ForbiddenError extends SwitchyardError {
  override name = "ForbiddenError";
}

export class NotFoundError extends SwitchyardError {
  override name = "NotFoundError";
}

export class ConflictError extends SwitchyardError {
  override name = "ConflictError";
}

export class ValidationError extends SwitchyardError {
  override name = "ValidationError";
  /** The 422's issues; a 422 with a plain message has one issue without a location. */
  get issues(): ValidationIssue[] {
    return Array.isArray(this.detail)
      ? (this.detail as ValidationIssue[])
      : [{ loc: [], msg: String(this.detail), type: "validation" }];
  }
}

export class RateLimitedError extends SwitchyardError {
  override name = "RateLimitedError";
  /** The answer's `Retry-After`, in seconds, when it had one. */
  retryAfterSeconds: number | null = null;
}

/** No answer within the request's `timeoutMs`. */
export class RequestTimeoutError extends SwitchyardError {
  override name = "RequestTimeoutError";
}

/** The API could not be reached (refused, reset, DNS): `cause` is the platform's error. */
export class ConnectionError extends SwitchyardError {
  override name = "ConnectionError";
}

/** `runs.wait` (or a waiting `trigger`): the run had not ended within `timeoutMs`. `runId` names it. */
export class WaitTimeoutError extends SwitchyardError {
  override name = "WaitTimeoutError";
  constructor(
    readonly runId: string,
    timeoutMs: number,
  ) {
    super({
      status: 0,
      code: "timeout",
      detail: `run ${runId} had not ended within ${timeoutMs} ms`,
      method: "GET",
      path: `/api/runs/${runId}/events`,
    });
  }
}

const CLASSES: Record<number, typeof SwitchyardError> = {
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  422: ValidationError,
  429: RateLimitedError,
};

/** The error for an answer of `status` with `body` (the parsed JSON, or the text when it was not JSON). */
export function errorFromResponse(method: string, path: string, status: number, body: unknown, headers: Headers) {
  const detail =
    body !== null && typeof body === "object" && "detail" in body ? (body as { detail: unknown }).detail : body;
  const ErrorClass = CLASSES[status] ?? SwitchyardError;
  const err = new ErrorClass({ status, detail: detail ?? `HTTP ${status}`, method, path });
  if (err instanceof RateLimitedError) {
    const retryAfter = Number(headers.get("retry-after"));
    err.retryAfterSeconds = Number.isFinite(retryAfter) && headers.has("retry-after") ? retryAfter : null;
  }
  return err;
}
