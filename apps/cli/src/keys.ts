import { userInfo } from "node:os";
import { Scope } from "@switchyard/core/auth/api-key";
import type { Config } from "@switchyard/core/config";

export const KEYS_USAGE = `  keys create --name NAME --scopes S[,S]         create an API key (scopes: admin, trigger, read) in DATABASE_URL; prints it once
  keys list                                      the keys (never the key itself), revoked ones included
  keys revoke <id>                               revoke a key`;

export class UsageError extends Error {
  override name = "UsageError";
}

function parseScopes(raw: string | undefined): Scope[] {
  const names = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new UsageError("--scopes is required: admin, trigger and/or read, comma-separated");
  return names.map((name) => {
    const parsed = Scope.safeParse(name);
    if (!parsed.success) throw new UsageError(`unknown scope "${name}": use admin, trigger or read`);
    return parsed.data;
  });
}

/**
 * `keys create|list|revoke`, straight against DATABASE_URL (no API needed), so the first admin key can be made
 * before anything else. `create` prints the key alone on stdout (`KEY=$(switchyard keys create ...)`) and the
 * rest on stderr.
 */
export async function runKeysCommand(
  config: Config,
  sub: string | undefined,
  arg: string | undefined,
  opts: { name?: string; scopes?: string },
): Promise<number> {
  // Validated before connecting, so a typo answers at once.
  if (sub === "create") {
    if (opts.name === undefined || opts.name.trim().length === 0) throw new UsageError("--name is required");
    parseScopes(opts.scopes);
  } else if (sub === "revoke" && arg === undefined) throw new UsageError("keys revoke needs the key's id");
  else if (sub !== "list" && sub !== "revoke") throw new UsageError(`unknown keys command "${sub ?? ""}"`);

  const { createDb } = await import("@switchyard/core/db");
  const store = await import("@switchyard/core/auth/api-key-store");
  const { isUuid } = await import("@switchyard/core/workflows/resolve-workflow");
  const db = createDb({ ...config, DATABASE_POOL_SIZE: 1 });
  try {
    switch (sub) {
      case "create": {
        const createdBy = `cli:${userInfo().username}`;
        const { info, key } = await store.createApiKey(db, {
          name: opts.name!.trim(),
          scopes: parseScopes(opts.scopes),
          createdBy,
        });
        console.error(
          `created API key ${info.id} (${info.name}, scopes ${info.scopes.join(",")}, prefix ${info.prefix})`,
        );
        console.error("store it now: it is shown only this once");
        console.log(key);
        return 0;
      }
      case "list": {
        console.log(["id", "prefix", "name", "scopes", "created_at", "last_used_at", "revoked_at"].join("\t"));
        for (const k of await store.listApiKeys(db)) {
          const when = (d: Date | null) => d?.toISOString() ?? "-";
          console.log(
            [k.id, k.prefix, k.name, k.scopes.join(","), when(k.createdAt), when(k.lastUsedAt), when(k.revokedAt)].join(
              "\t",
            ),
          );
        }
        return 0;
      }
      default: {
        if (!isUuid(arg!) || !(await store.revokeApiKey(db, arg!))) {
          console.error(`no API key ${arg!}`);
          return 1;
        }
        console.error(`revoked API key ${arg!} (other API processes stop accepting it within 10 s)`);
        return 0;
      }
    }
  } finally {
    await db.$disconnect();
  }
}
