import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { pgConnectionOptions, withDatabase } from "../db-url";

export const REPO_ROOT = resolve(import.meta.dirname, "../../../..");

/** The server tests use; each test file gets a database of its own on it. */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

/** Template name tied to the migrations' content, so a changed schema builds a new template. */
function templateName(): string {
  const dir = join(REPO_ROOT, "prisma/migrations");
  const hash = createHash("sha256");
  for (const entry of readdirSync(dir).sort()) {
    if (entry.endsWith(".toml")) continue;
    hash.update(entry).update(readFileSync(join(dir, entry, "migration.sql")));
  }
  return `switchyard_tpl_${hash.digest("hex").slice(0, 12)}`;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgConnectionOptions(testServerUrl()));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the migrated template once (serialised across parallel test files by an advisory lock). */
async function ensureTemplate(): Promise<string> {
  const tpl = templateName();
  await withAdmin(async (client) => {
    await client.query("SELECT pg_advisory_lock(727274)");
    try {
      const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [tpl]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE "${tpl}"`);
        execFileSync(join(REPO_ROOT, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
          cwd: REPO_ROOT,
          env: { ...process.env, DATABASE_URL: withDatabase(testServerUrl(), tpl) },
          stdio: "pipe",
        });
      }
      // Leftovers of test runs that died more than an hour ago.
      const stale = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'sy_t_%' AND split_part(datname, '_', 3)::bigint < $1",
        [Date.now() - 3_600_000],
      );
      for (const { datname } of stale.rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await client.query("SELECT pg_advisory_unlock(727274)");
    }
  });
  return tpl;
}

/** A fresh, migrated database for one test file; `drop` removes it. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const tpl = await ensureTemplate();
  const name = `sy_t_${Date.now()}_${randomBytes(4).toString("hex")}`;
  await withAdmin(async (client) => {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${tpl}"`);
  });
  return {
    url: withDatabase(testServerUrl(), name),
    name,
    drop: () =>
      withAdmin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
