import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../..");
const unitDir = join(repoRoot, "deploy/systemd");
const HARDENING = ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes"];

type Unit = { name: string; text: string; app: string };

function directive(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((match) => match[1] ?? "");
}

async function readUnits(): Promise<Unit[]> {
  const names = (await readdir(unitDir)).filter((name) => name.endsWith(".service")).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(unitDir, name), "utf8");
      const app = /\bdist\/(\w+)\.js$/.exec(directive(text, "ExecStart")[0] ?? "")?.[1] ?? "";
      return { name, text, app };
    }),
  );
}

// The shutdown deadline each process gives itself, read from its entry file so the two cannot drift apart.
async function shutdownDeadlineSeconds(app: string): Promise<number> {
  const main = await readFile(join(repoRoot, "apps", app, "src/main.ts"), "utf8");
  const ms = /onShutdown\(\s*\w+,\s*([\d_]+)/.exec(main)?.[1];
  assert.ok(ms, `apps/${app}/src/main.ts calls onShutdown with a deadline`);
  return Number(ms.replaceAll("_", "")) / 1000;
}

describe("systemd units", () => {
  let units: Unit[] = [];
  let root = "";

  before(async () => {
    units = await readUnits();
    root = await mkdtemp(join(tmpdir(), "switchyard-units-"));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("ships the api, worker template and beat units with an example environment file", async () => {
    assert.deepEqual(
      units.map((unit) => unit.name),
      ["switchyard-api.service", "switchyard-beat.service", "switchyard-worker@.service"],
    );
    assert.deepEqual(
      units.map((unit) => unit.app),
      ["api", "beat", "worker"],
    );
    await readFile(join(unitDir, "switchyard.env.example"), "utf8");
  });

  it("passes systemd-analyze verify with the paths it names present", async () => {
    // Every absolute path a unit names is recreated under a temporary root and rewritten into a copy,
    // so verify checks the units as written without touching the real /opt or /etc.
    const prefixes = ["/opt/switchyard", "/etc/switchyard", "/usr/bin/node"];
    await mkdir(join(root, "etc/switchyard"), { recursive: true });
    await writeFile(join(root, "etc/switchyard/switchyard.env"), "");
    await mkdir(join(root, "usr/bin"), { recursive: true });
    await symlink(process.execPath, join(root, "usr/bin/node"));
    for (const unit of units) {
      const entry = join(root, "opt/switchyard/dist", `${unit.app}.js`);
      await mkdir(dirname(entry), { recursive: true });
      await writeFile(entry, "");
      let copy = unit.text;
      for (const prefix of prefixes) copy = copy.replaceAll(prefix, join(root, prefix));
      // Instances of the template are what systemd loads, so verify one.
      const file = join(root, unit.name.replace("@.service", "@1.service"));
      await writeFile(file, copy);
      const { stdout, stderr } = await run("systemd-analyze", ["verify", file], { cwd: root }).catch(
        (error: { stdout: string; stderr: string }) => ({ stdout: error.stdout, stderr: error.stderr }),
      );
      const warnings = `${stdout}${stderr}`.split("\n").filter((line) => line.includes("switchyard"));
      assert.deepEqual(warnings, [], `${unit.name} verifies cleanly`);
    }
  });

  it("runs as a dedicated user with restart, hardening and ordering after Postgres and Redis", () => {
    for (const unit of units) {
      assert.deepEqual(directive(unit.text, "User"), ["switchyard"], unit.name);
      assert.deepEqual(directive(unit.text, "EnvironmentFile"), ["/etc/switchyard/switchyard.env"], unit.name);
      assert.deepEqual(directive(unit.text, "Restart"), ["on-failure"], unit.name);
      assert.deepEqual(directive(unit.text, "KillSignal"), ["SIGTERM"], unit.name);
      for (const option of HARDENING) assert.match(unit.text, new RegExp(`^${option}$`, "m"), unit.name);
      const afterUnits = directive(unit.text, "After").join(" ");
      assert.match(afterUnits, /postgresql\.service/, unit.name);
      assert.match(afterUnits, /redis-server\.service/, unit.name);
    }
  });

  it("waits longer than each process's own shutdown deadline before killing it", async () => {
    for (const unit of units) {
      const timeout = Number(directive(unit.text, "TimeoutStopSec")[0]);
      const deadline = await shutdownDeadlineSeconds(unit.app);
      assert.ok(timeout > deadline, `${unit.name}: TimeoutStopSec=${timeout} > ${deadline}s`);
    }
  });
});
