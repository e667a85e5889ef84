import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * `admin`: everything. `trigger`: read, plus dispatching and operating runs (manual and cron dispatch,
 * POST /workflows/{ref}/runs, a run's start/succeed/fail/cancel/retry and signals). `read`: GET routes only.
 * Each scope includes the ones after it.
 */
export const SCOPES = ["admin", "trigger", "read"] as const;
export const Scope = z.enum(SCOPES, "must be one of admin, trigger, read");
export type Scope = z.infer<typeof Scope>;

const RANK: Record<Scope, number> = { admin: 3, trigger: 2, read: 1 };

/** True when `scopes` grant `needed` (admin ⊃ trigger ⊃ read). */
export function hasScope(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.some((s) => RANK[s] >= RANK[needed]);
}

/** Who is acting on a request: set on `res.locals.principal` by the API and dashboard auth. */
export type Principal = {
  /** The key's id for a stored key; `api_token:<fingerprint>`, `admin:<username>` or `anonymous` otherwise. */
  id: string;
  name: string;
  scopes: Scope[];
  source: "api_key" | "api_token" | "admin_password" | "anonymous";
};

/** The actor to record in audit entries, e.g. `api_key:<uuid>`. */
export function actorOf(principal: Principal): string {
  return principal.source === "api_key" ? `api_key:${principal.id}` : principal.id;
}

// `sy_` + 12 hex (the public prefix) + `_` + 43 base64url characters (256 random bits).
const KEY_PATTERN = /^sy_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export type GeneratedKey = { key: string; prefix: string; hash: string };

/** A new random key. The key is high-entropy, so one SHA-256 (no slow KDF) is the right hash. */
export function generateApiKey(): GeneratedKey {
  const prefix = randomBytes(6).toString("hex");
  const key = `sy_${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of a string in the stored-key format, or null. */
export function parseApiKeyPrefix(token: string): string | null {
  return KEY_PATTERN.exec(token)?.[1] ?? null;
}

export function isApiKeyFormat(token: string): boolean {
  return KEY_PATTERN.test(token);
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Constant-time comparison of two strings of any lengths (their digests are compared). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/** Sorted, without duplicates. */
export function normaliseScopes(scopes: readonly Scope[]): Scope[] {
  return SCOPES.filter((s) => scopes.includes(s));
}
