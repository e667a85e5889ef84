import type { RequestHandler, Response } from "express";
import { actorOf, hasScope, type Principal, type Scope } from "@switchyard/core/auth/api-key";
import { ForbiddenError } from "@switchyard/core/errors";

/** The acting principal that the API or dashboard auth left on `res.locals.principal`, if any. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

export function setPrincipal(res: Response, principal: Principal): void {
  res.locals.principal = principal;
}

/** 403 unless the principal's scopes grant `needed`; run after `authenticateApi` or `dashboardAuth`. */
export function requireScope(needed: Scope): RequestHandler {
  return (_req, res, next) => {
    assertScope(res, needed);
    next();
  };
}

export function assertScope(res: Response, needed: Scope): void {
  const principal = principalOf(res);
  if (principal === undefined || !hasScope(principal.scopes, needed)) {
    throw new ForbiddenError(`This route needs an API key with the ${needed} scope`);
  }
}

/** Who an API action's audit entry names, and what it keeps of the actor the body claims. */
export type AuditActor = { actor: string; metadata: Record<string, unknown> };

/**
 * The audit entry of an API action names the acting key (`actorOf`: `api_key:<id>`, `api_token:<fingerprint>`,
 * `admin:<user>`); the actor the body claims (Orcheo's `actor` field) is kept as `metadata.actor`. With
 * AUTH_MODE=disabled no key acts, and the entry names the claimed actor (or `fallback`), as Orcheo records it.
 */
export function auditActor(res: Response, claimed: string | undefined, fallback: string): AuditActor {
  const principal = principalOf(res);
  if (principal === undefined || principal.source === "anonymous") return { actor: claimed ?? fallback, metadata: {} };
  return { actor: actorOf(principal), metadata: claimed === undefined ? {} : { actor: claimed } };
}
