import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { createAuthenticator } from "@switchyard/core/auth/authenticator";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";

const run = promisify(execFile);
const bin = join(import.meta.dirname, "../bin/switchyard.js");
const repoRoot = resolve(import.meta.dirname, "../../..");

type Result = { code: number; stdout: string; stderr: string };

describe("switchyard keys", () => {
  let api: TestApi;
  let env: Record<string, string> = {};
  const settle = (p: Promise<{ stdout: string; stderr: string }>): Promise<Result> =>
    p.then(
      (out) => ({ code: 0, ...out }),
      (err: Result) => err,
    );
  const cli = (...args: string[]) => settle(run(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }));

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required" });
    // Only the database: no API_URL, no token. The key is made straight in Postgres.
    env = { DATABASE_URL: api.deps.env.DATABASE_URL!, LOG_LEVEL: "error" };
  });
  after(async () => {
    await api.close();
  });

  it("creates the first admin key against DATABASE_URL, printing it once, and the API accepts it", async () => {
    const created = await cli("keys", "create", "--name", "ops", "--scopes", "admin");
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^sy_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /shown only this once/);
    const res = await api.request("GET", "/api/keys", { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    assert.equal(res.body[0].name, "ops");
    assert.match(res.body[0].created_by, /^cli:/);

    const listed = await cli("keys", "list");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${res.body[0].id}\\t${key.split("_")[1]}\\tops\\tadmin\\t`));
    assert.ok(!listed.stdout.includes(key.slice(16)), "the list never shows the key");
  });

  it("revokes a key by id", async () => {
    const key = (await cli("keys", "create", "--name", "temp", "--scopes", "read,trigger")).stdout.trim();
    const row = await api.deps.db.apiKey.findFirstOrThrow({ where: { name: "temp" } });
    assert.deepEqual(row.scopes, ["trigger", "read"]);
    const revoked = await cli("keys", "revoke", row.id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.notEqual((await api.deps.db.apiKey.findUniqueOrThrow({ where: { id: row.id } })).revokedAt, null);
    assert.equal(await createAuthenticator(api.deps).authenticate(key), null);
    const again = await cli("keys", "revoke", "00000000-0000-0000-0000-000000000000");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no API key/);
  });

  it("answers usage errors with exit code 2 before touching the database", async () => {
    for (const args of [
      ["--scopes", "admin"],
      ["--name", "x"],
      ["--name", "x", "--scopes", "root"],
    ]) {
      const res = await cli("keys", "create", ...args);
      assert.equal(res.code, 2, args.join(" "));
      assert.match(res.stderr, /--name is required|--scopes is required|unknown scope "root"/);
    }
    assert.equal((await cli("keys", "revoke")).code, 2);
    assert.equal((await cli("keys", "rotate")).code, 2);
  });

  it("make api-key NAME=... SCOPES=... prints just the key", async () => {
    const res = await settle(
      run("make", ["--no-print-directory", "api-key", "NAME=from-make", "SCOPES=read"], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
      }),
    );
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^sy_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    const row = await api.deps.db.apiKey.findFirstOrThrow({ where: { name: "from-make" } });
    assert.deepEqual(row.scopes, ["read"]);
  });
});
