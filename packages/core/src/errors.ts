/** The one error family. Every error the API answers with is an AppError; anything else is a 500. */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string>; detail?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? {};
    this.detail = options?.detail ?? message;
  }
  readonly headers: Record<string, string>;
  /** The body's `detail`: the message, or a structured list for validation errors. */
  readonly detail: unknown;
}

export class NotFoundError extends AppError {
  override name = "NotFoundError";
  constructor(message: string) {
    super(404, "not_found", message);
  }
}

export class ConflictError extends AppError {
  override name = "ConflictError";
  constructor(message: string) {
    super(409, "conflict", message);
  }
}

export class BadRequestError extends AppError {
  override name = "BadRequestError";
  constructor(message: string, status = 400, code = "bad_request") {
    super(status, code, message);
  }
}

export class UnauthorizedError extends AppError {
  override name = "UnauthorizedError";
  constructor(message = "Not authenticated", headers?: Record<string, string>) {
    super(401, "unauthorized", message, headers ? { headers } : undefined);
  }
}

export class ForbiddenError extends AppError {
  override name = "ForbiddenError";
  constructor(message: string) {
    super(403, "forbidden", message);
  }
}

export class TooManyRequestsError extends AppError {
  override name = "TooManyRequestsError";
  constructor(message: string, retryAfterSeconds: number) {
    super(429, "rate_limited", message, { headers: { "Retry-After": String(retryAfterSeconds) } });
  }
}

export type ValidationIssue = { loc: (string | number)[]; msg: string; type: string };

export class ValidationError extends AppError {
  override name = "ValidationError";
  constructor(issues: ValidationIssue[] | string) {
    super(422, "validation", typeof issues === "string" ? issues : issues.map((i) => i.msg).join("; "), {
      detail: issues,
    });
  }
}

export class ServiceUnavailableError extends AppError {
  override name = "ServiceUnavailableError";
  constructor(cause?: unknown) {
    super(503, "unavailable", "Service unavailable", { cause });
  }
}

/** The message of anything thrown: an Error's own, an object's `message`, or the value as text. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) return String(err.message);
  return String(err);
}
