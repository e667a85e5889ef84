import type { RequestHandler, Response } from "express";
import { hasScope, type Principal, type Scope } from "@switchyard/core/auth/api-key";
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
