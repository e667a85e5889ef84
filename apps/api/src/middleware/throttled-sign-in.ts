import type { Request } from "express";
import { parseApiKeyPrefix } from "@switchyard/core/auth/api-key";
import type { AuthThrottle, SignInAttempt, SignInRefusal } from "@switchyard/core/auth/auth-throttle";
import { TooManyRequestsError } from "@switchyard/core/errors";

const REFUSED: Record<SignInRefusal["reason"], string> = {
  address: "Too many failed sign-ins from this address",
  name: "Too many failed sign-ins for this user name from this address",
};

function tooMany(refusal: SignInRefusal): TooManyRequestsError {
  return new TooManyRequestsError(
    `${REFUSED[refusal.reason]}: retry in ${refusal.retryAfterSeconds} seconds`,
    refusal.retryAfterSeconds,
  );
}

/** The name a bearer token gives for the sign-in throttle: a stored key's public prefix, else none. */
export function tokenName(token: string): string | undefined {
  const prefix = parseApiKeyPrefix(token);
  return prefix === null ? undefined : `key:${prefix}`;
}

/** The attempt a request makes: its client address (Express's `req.ip`, TRUST_PROXY aware) and a name, if any. */
export function signInAttempt(req: Request, name: string | undefined): SignInAttempt {
  return { ip: req.ip ?? req.socket.remoteAddress ?? "unknown", name };
}

/**
 * Checks a presented credential through the sign-in throttle (auth-throttle.ts): 429 before `verify` runs while the
 * attempt is locked out, 429 when this failure went past a limit, else what `verify` found (null: the caller's 401).
 * A request without credentials is no failed sign-in and is not counted.
 */
export async function throttledSignIn<T>(
  throttle: AuthThrottle,
  attempt: SignInAttempt,
  verify: () => Promise<T | null>,
): Promise<T | null> {
  const locked = throttle.check(attempt);
  if (locked !== null) throw tooMany(locked);
  const principal = await verify();
  if (principal !== null) return principal;
  const refusal = await throttle.recordFailure(attempt);
  if (refusal !== null) throw tooMany(refusal);
  return null;
}
