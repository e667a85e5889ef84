import { queryRows, type Db } from "../db";
import { z } from "zod";
import { generateApiKey, normaliseScopes, Scope } from "./api-key";

/** An API key as listed: never the key or its hash. */
export type ApiKeyInfo = {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
};

const INFO = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  createdBy: true,
  createdAt: true,
  revokedAt: true,
  lastUsedAt: true,
} as const;

const MAX_PREFIX_ATTEMPTS = 5;

/** Stores a new key and returns it with the plain key, which exists nowhere else afterwards. */
export async function createApiKey(
  db: Db,
  input: { name: string; scopes: Scope[]; createdBy: string },
): Promise<{ info: ApiKeyInfo; key: string }> {
  for (let attempt = 1; ; attempt++) {
    const generated = generateApiKey();
    try {
      const row = await db.apiKey.create({
        data: {
          name: input.name,
          prefix: generated.prefix,
          keyHash: generated.hash,
          scopes: normaliseScopes(input.scopes),
          createdBy: input.createdBy,
        },
        select: INFO,
      });
      return { info: toInfo(row), key: generated.key };
    } catch (err) {
      // A 48-bit prefix collides rarely; the unique index decides, and a fresh key is drawn.
      if ((err as { code?: unknown }).code !== "P2002" || attempt >= MAX_PREFIX_ATTEMPTS) throw err;
    }
  }
}

/** Every key, newest first, revoked ones included. */
export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const rows = await db.apiKey.findMany({ select: INFO, orderBy: [{ createdAt: "desc" }, { id: "asc" }] });
  return rows.map(toInfo);
}

/** Revokes a key; revoking a revoked key keeps its first revocation time. False when no such key exists. */
export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1::uuid RETURNING id::text AS id`,
    [id],
  );
  return rows.length > 0;
}

export type StoredKey = { id: string; name: string; scopes: Scope[]; keyHash: string; revokedAt: Date | null };

/** The key with this prefix (the prefix is unique), revoked or not. */
export async function findApiKeyByPrefix(db: Db, prefix: string): Promise<StoredKey | null> {
  const rows = await queryRows<StoredKey>(
    db,
    `SELECT id::text AS "id", name, scopes, key_hash AS "keyHash", revoked_at AS "revokedAt" FROM api_keys WHERE prefix = $1`,
    [prefix],
    true,
  );
  return rows[0] ?? null;
}

/** Records a use; at most one write a minute per key, whichever process makes it. */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await queryRows(
    db,
    `UPDATE api_keys SET last_used_at = now()
     WHERE id = $1::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
    true,
  );
}

/** Whether any credential stored in Postgres can log in. */
export async function hasActiveApiKey(db: Db): Promise<boolean> {
  return (await db.apiKey.count({ where: { revokedAt: null }, take: 1 })) > 0;
}

function toInfo(row: Omit<ApiKeyInfo, "scopes"> & { scopes: string[] }): ApiKeyInfo {
  return { ...row, scopes: row.scopes as Scope[] };
}

/** The API's JSON for a key (snake_case, as every other resource). */
const Timestamp = z.string().meta({ description: "ISO-8601, UTC" });

/** One API key as `GET /api/keys` lists it: never the key itself, never its hash. */
export const ApiKeyResponse = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().meta({ description: "The key's public part (`sy_<prefix>_...`), to recognise it" }),
  scopes: z.array(Scope),
  created_by: z
    .string()
    .meta({ description: "The actor that created it (`api_key:<id>`, `admin:<user>`, `cli`, ...)" }),
  created_at: Timestamp,
  revoked_at: Timestamp.nullable(),
  last_used_at: Timestamp.nullable().meta({ description: "Updated at most once a minute" }),
});
export type ApiKeyResponse = z.output<typeof ApiKeyResponse>;

/** `POST /api/keys`: the listing's fields and the key, shown this once. */
export const CreatedApiKeyResponse = ApiKeyResponse.extend({
  key: z.string().meta({ description: "The API key, shown only in this answer: store it now" }),
});

export function toApiKeyJson(info: ApiKeyInfo): ApiKeyResponse {
  return {
    id: info.id,
    name: info.name,
    prefix: info.prefix,
    scopes: info.scopes,
    created_by: info.createdBy,
    created_at: info.createdAt.toISOString(),
    revoked_at: info.revokedAt?.toISOString() ?? null,
    last_used_at: info.lastUsedAt?.toISOString() ?? null,
  };
}
