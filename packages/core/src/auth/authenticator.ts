import { createHash } from "node:crypto";
import type { Config } from "../config";
import type { Db } from "../db";
import type { Logger } from "../logger";
import { hashApiKey, isApiKeyFormat, parseApiKeyPrefix, safeEqual, type Principal } from "./api-key";
import { findApiKeyByPrefix, touchApiKey } from "./api-key-store";

/**
 * How long a process trusts a key it verified in Postgres. A revocation takes effect at once in the process that
 * revoked the key and within this many seconds in every other API process.
 */
export const API_KEY_CACHE_SECONDS = 10;
const TOUCH_INTERVAL_MS = 60_000;
const MAX_CACHED_KEYS = 10_000;

export type Authenticator = {
  /** The principal a bearer token (or a dashboard password) stands for, or null when it is not valid. */
  authenticate: (token: string) => Promise<Principal | null>;
  /** Drops a key from this process's cache (after a revocation). */
  forget: (keyId: string) => void;
  /** Resolves when the last-use writes started so far are done (for tests and shutdown). */
  settled: () => Promise<void>;
};

type Cached = { principal: Principal; hash: string; until: number };

/**
 * Static `API_TOKENS` are admin tokens, except entries in the stored-key format (`sy_...`): those are looked up
 * in Postgres like any key, so the beat (which sends the first API_TOKENS entry) can use a revocable `trigger` key.
 */
export function createAuthenticator(deps: {
  config: Pick<Config, "API_TOKENS">;
  db: Db;
  logger: Logger;
}): Authenticator {
  const statics = deps.config.API_TOKENS.filter((t) => !isApiKeyFormat(t)).map((token) => ({
    token,
    principal: {
      id: `api_token:${createHash("sha256").update(token).digest("hex").slice(0, 12)}`,
      name: "API_TOKENS",
      scopes: ["admin"],
      source: "api_token",
    } satisfies Principal,
  }));
  const cache = new Map<string, Cached>();
  const touchedAt = new Map<string, number>();
  const pending = new Set<Promise<void>>();

  // Off the request's path: the write is started, never awaited, and its failure only logged.
  const touch = (id: string) => {
    const now = Date.now();
    if (now - (touchedAt.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    touchedAt.set(id, now);
    const write = touchApiKey(deps.db, id).catch((err: unknown) => {
      deps.logger.warn("api key last use not recorded", {
        keyId: id,
        err: err instanceof Error ? err.message : String(err),
      });
    });
    pending.add(write);
    void write.finally(() => pending.delete(write));
  };

  return {
    authenticate: async (token) => {
      // Every static token is compared, so the time taken does not tell which one matched.
      let match: Principal | null = null;
      for (const s of statics) if (safeEqual(s.token, token) && match === null) match = s.principal;
      if (match !== null) return match;

      const prefix = parseApiKeyPrefix(token);
      if (prefix === null) return null;
      const hash = hashApiKey(token);
      const cached = cache.get(prefix);
      if (cached !== undefined && cached.until > Date.now() && safeEqual(cached.hash, hash)) {
        touch(cached.principal.id);
        return cached.principal;
      }
      const row = await findApiKeyByPrefix(deps.db, prefix);
      if (row === null || row.revokedAt !== null || !safeEqual(row.keyHash, hash)) return null;
      const principal: Principal = { id: row.id, name: row.name, scopes: row.scopes, source: "api_key" };
      if (cache.size >= MAX_CACHED_KEYS) cache.clear();
      cache.set(prefix, { principal, hash, until: Date.now() + API_KEY_CACHE_SECONDS * 1000 });
      touch(row.id);
      return principal;
    },
    forget: (keyId) => {
      for (const [prefix, entry] of cache) if (entry.principal.id === keyId) cache.delete(prefix);
    },
    settled: async () => {
      await Promise.all([...pending]);
    },
  };
}
