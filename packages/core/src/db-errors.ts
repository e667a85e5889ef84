/**
 * Errors that mean "Postgres is not reachable right now" (down, restarting, the connection dropped, the pool timed
 * out), as opposed to "this statement is wrong". The API answers them with a 503 and the workers retry on them;
 * every other error keeps its usual meaning.
 */

/** Node socket errors on the way to the server. */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up), 53300 too many
 * connections; class 08 is connection exceptions. Prisma: P1001 cannot reach, P1002 timed out, P1017 server closed
 * the connection, P2024 pool timeout.
 */
const SERVER_CODES: ReadonlySet<string> = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "P1001",
  "P1002",
  "P1017",
  "P2024",
]);

/** @prisma/adapter-pg's driverAdapterError kinds for the same conditions. */
const ADAPTER_KINDS: ReadonlySet<string> = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

/** pg's own messages for errors that carry no code (a dropped connection, the pool's connect timeout). */
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Can't reach database server|Query read timeout/i;

/** true when `err` (or anything in its cause chain, Prisma's adapter metadata included) is connection-class. */
export function isDbUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== null && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    if (matches(current as Record<string, unknown>)) return true;
    const meta = (current as { meta?: { driverAdapterError?: unknown } }).meta;
    const adapter = meta?.driverAdapterError as { cause?: Record<string, unknown> } | undefined;
    if (adapter?.cause !== undefined && matches(adapter.cause)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function matches(e: Record<string, unknown>): boolean {
  for (const key of ["code", "originalCode"]) {
    const code = e[key];
    if (
      typeof code === "string" &&
      (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
    ) {
      return true;
    }
  }
  if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
  if (e.kind === "postgres" && typeof e.code === "string" && (SERVER_CODES.has(e.code) || /^08/.test(e.code)))
    return true;
  return typeof e.message === "string" && MESSAGES.test(e.message);
}

/** A statement cancelled by statement_timeout (57014) or pg's client-side query_timeout. Not retried. */
export function isDbStatementTimeout(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== null && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as {
      code?: unknown;
      originalCode?: unknown;
      meta?: { driverAdapterError?: { cause?: { code?: unknown } } };
    };
    if (e.code === "57014" || e.originalCode === "57014" || e.meta?.driverAdapterError?.cause?.code === "57014")
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
