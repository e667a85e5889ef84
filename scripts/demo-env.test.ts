import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseConfig } from "@switchyard/core/config";
import { REPO_ROOT } from "@switchyard/core/testing/test-database";
import { signInLines } from "./demo-sign-in";

const run = promisify(execFile);
const WRITTEN =
  "demo: wrote .env (git-ignored) with a generated SECRET_KEY and the dashboards' sign-in: user admin, password ADMIN_PASSWORD\n";
const KEPT = "demo: using the existing .env, left as it is\n";
// The settings the step writes, unset here so the test sees only what the file holds.
const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !["SECRET_KEY", "ADMIN_USERNAME", "ADMIN_PASSWORD"].includes(k)),
);

/** A checkout with nothing but the scripts, as a fresh clone has them (no .env). */
async function cleanCheckout(dirs: string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "switchyard-demo-"));
  dirs.push(root);
  await mkdir(join(root, "scripts"));
  for (const name of ["demo-env.sh", "load-env.sh"]) {
    await copyFile(join(REPO_ROOT, "scripts", name), join(root, "scripts", name));
  }
  return root;
}

/** The first step of scripts/demo.sh, run from another directory (the script finds its checkout itself). */
const demoEnvStep = async (root: string) =>
  (await run("bash", [join(root, "scripts/demo-env.sh")], { cwd: tmpdir(), env: CLEAN_ENV })).stdout;

/** The file as scripts/demo.sh then reads it: through load_env. */
async function loadEnv(root: string): Promise<Record<string, string>> {
  const script = `. scripts/load-env.sh && load_env .env && printf '%s\\n' "$SECRET_KEY" "$ADMIN_USERNAME" "$ADMIN_PASSWORD"`;
  const { stdout } = await run("bash", ["-c", script], { cwd: root, env: CLEAN_ENV });
  const [SECRET_KEY = "", ADMIN_USERNAME = "", ADMIN_PASSWORD = ""] = stdout.split("\n");
  return { SECRET_KEY, ADMIN_USERNAME, ADMIN_PASSWORD };
}

describe("make demo's first run", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("writes a git-ignored .env with a generated SECRET_KEY and the dashboards' sign-in, readable by its owner only", async () => {
    const root = await cleanCheckout(dirs);
    assert.equal(await demoEnvStep(root), WRITTEN);
    assert.equal((await stat(join(root, ".env"))).mode & 0o777, 0o600);
    const text = await readFile(join(root, ".env"), "utf8");
    assert.match(text, /^# Written by make demo on its first run/);
    assert.deepEqual(
      text
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split("=")[0]),
      ["SECRET_KEY", "ADMIN_USERNAME", "ADMIN_PASSWORD"],
    );

    const env = await loadEnv(root);
    assert.equal(env.ADMIN_USERNAME, "admin");
    assert.match(env.SECRET_KEY!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(env.ADMIN_PASSWORD!, /^[A-Za-z0-9_-]{24}$/);
    // Values any process accepts, production's rules included (a password of 12 characters or more).
    for (const NODE_ENV of ["development", "production"]) {
      const config = parseConfig({ ...env, NODE_ENV });
      assert.equal(config.SECRET_KEY, env.SECRET_KEY);
      assert.ok(config.ADMIN_PASSWORD!.length >= 12);
    }
    // Generated, not a default: another checkout gets other values.
    const other = await cleanCheckout(dirs);
    await demoEnvStep(other);
    const otherEnv = await loadEnv(other);
    assert.notEqual(otherEnv.SECRET_KEY, env.SECRET_KEY);
    assert.notEqual(otherEnv.ADMIN_PASSWORD, env.ADMIN_PASSWORD);

    // The repository ignores it, so the secrets are never committed.
    await run("git", ["check-ignore", "--quiet", "--no-index", ".env"], { cwd: REPO_ROOT });
  });

  it("prints the dashboards' addresses and how to sign in with what it wrote", async () => {
    const root = await cleanCheckout(dirs);
    await demoEnvStep(root);
    const lines = signInLines(parseConfig(await loadEnv(root)));
    assert.deepEqual(lines, [
      "runs dashboard: http://127.0.0.1:8000/admin",
      "Bull Board:     http://127.0.0.1:8000/admin/queues",
      "sign in to both as admin, with the password in ADMIN_PASSWORD (grep ^ADMIN_PASSWORD= .env)",
    ]);
    // Without the sign-in or the key (a .env of one's own), it says what is missing instead of staying silent.
    const bare = signInLines(parseConfig({ API_URL: "http://127.0.0.1:9000/" }));
    assert.equal(bare[0], "runs dashboard: http://127.0.0.1:9000/admin");
    assert.match(bare[2]!, /^both are locked: set ADMIN_USERNAME and ADMIN_PASSWORD/);
    assert.match(bare[3]!, /^SECRET_KEY is not set: webhook secrets cannot be saved/);
  });

  it("keeps the file on a second run, and never touches a .env of one's own", async () => {
    const root = await cleanCheckout(dirs);
    await demoEnvStep(root);
    const first = await readFile(join(root, ".env"), "utf8");
    const firstStat = await stat(join(root, ".env"));
    assert.equal(await demoEnvStep(root), KEPT);
    assert.equal(await readFile(join(root, ".env"), "utf8"), first);
    assert.equal((await stat(join(root, ".env"))).mtimeMs, firstStat.mtimeMs);

    const mine = await cleanCheckout(dirs);
    await writeFile(join(mine, ".env"), "PORT=9000\n");
    assert.equal(await demoEnvStep(mine), KEPT);
    assert.equal(await readFile(join(mine, ".env"), "utf8"), "PORT=9000\n");
  });
});
