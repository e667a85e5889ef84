import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../..");

type Service = {
  command?: string[];
  ports?: unknown[];
  container_name?: string;
  healthcheck?: unknown;
  stop_grace_period?: string;
};

// docker-compose prints the resolved file (anchors and merges applied) as YAML; the python it runs on has PyYAML.
async function resolvedServices(): Promise<Record<string, Service>> {
  const { stdout } = await run("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: repoRoot });
  const toJson = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))";
  const child = run("python3", ["-c", toJson]);
  child.child.stdin?.end(stdout);
  return (JSON.parse((await child).stdout) as { services: Record<string, Service> }).services;
}

// The `node ...` command each systemd unit runs, with the interpreter's absolute path dropped.
async function unitCommands(): Promise<string[][]> {
  const dir = join(repoRoot, "deploy/systemd");
  const names = (await readdir(dir)).filter((name) => name.endsWith(".service")).sort();
  const texts = await Promise.all(names.map((name) => readFile(join(dir, name), "utf8")));
  return texts.map((text) => {
    const line = /^ExecStart=(.*)$/m.exec(text)?.[1] ?? "";
    return line.split(/\s+/).map((word, index) => (index === 0 ? word.replace(/^.*\//, "") : word));
  });
}

function seconds(duration: string | undefined): number {
  return Number(/^(\d+)s$/.exec(duration ?? "")?.[1]);
}

describe("docker-compose.yml and Dockerfile", () => {
  let services: Record<string, Service> = {};

  before(async () => {
    services = await resolvedServices();
  });

  it("passes docker-compose config -q", async () => {
    const { stdout, stderr } = await run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], {
      cwd: repoRoot,
    });
    assert.equal(`${stdout}${stderr}`.trim(), "");
  });

  it("defines postgres, redis, a one-shot migrate, the api, workers and the beat", () => {
    assert.deepEqual(Object.keys(services).sort(), ["api", "beat", "migrate", "postgres", "redis", "worker"]);
  });

  it("publishes only the api, on the host's loopback", () => {
    const published = Object.entries(services).filter(([, service]) => (service.ports ?? []).length > 0);
    assert.deepEqual(
      published.map(([name]) => name),
      ["api"],
    );
    for (const port of services.api?.ports ?? []) {
      const text = typeof port === "string" ? port : JSON.stringify(port);
      assert.match(text, /127\.0\.0\.1/);
    }
  });

  it("runs redis with an every-second AOF, no eviction and health checks on both stores", () => {
    const command = services.redis?.command ?? [];
    const option = (name: string) => command[command.indexOf(name) + 1];
    assert.equal(option("--appendonly"), "yes");
    assert.equal(option("--appendfsync"), "everysec");
    assert.equal(option("--maxmemory-policy"), "noeviction");
    assert.ok(services.redis?.healthcheck);
    assert.ok(services.postgres?.healthcheck);
  });

  it("lets the worker scale: no container name and no published port", () => {
    assert.equal(services.worker?.container_name, undefined);
    assert.equal(services.worker?.ports, undefined);
  });

  it("gives each app service a stop grace period longer than its shutdown deadline", () => {
    assert.ok(seconds(services.api?.stop_grace_period) > 30);
    assert.ok(seconds(services.beat?.stop_grace_period) > 30);
    assert.ok(seconds(services.worker?.stop_grace_period) > 60);
  });

  it("runs the same bundles as the systemd units, built and copied into the runtime image", async () => {
    const fromUnits = await unitCommands();
    const fromCompose = ["api", "beat", "worker"].map((name) => services[name]?.command ?? []);
    assert.deepEqual(fromCompose, fromUnits);

    const dockerfile = await readFile(join(repoRoot, "Dockerfile"), "utf8");
    const runtime = dockerfile.split(/^FROM /m).find((stage) => /^\S+ AS runtime$/m.test(stage)) ?? "";
    assert.ok(runtime, "the Dockerfile has a runtime stage");
    assert.match(runtime, /npm ci --omit=dev/);
    assert.match(runtime, /^USER (?!root)\S+$/m);
    // What the runtime stage copies: from the context, or the build stage's outputs (`--from=build /app/<path>`).
    const copied = [...runtime.matchAll(/^COPY (.*)$/gm)].flatMap((match) => {
      const words = (match[1] ?? "").split(/\s+/);
      return words[0] === "--from=build"
        ? words.slice(1, -1).map((w) => w.replace(/^\/app\//, ""))
        : words.slice(0, -1);
    });
    assert.match(
      dockerfile.split(/^FROM /m).find((stage) => /^\S+ AS build$/m.test(stage)) ?? "",
      /^RUN npm run build$/m,
    );
    for (const command of fromUnits) {
      const entry = command.at(-1) ?? "";
      assert.match(entry, /^dist\/\w+\.js$/, "each process runs its bundle");
      assert.ok(
        copied.some((source) => entry.startsWith(`${source.replace(/^\.\//, "")}/`)),
        `${entry} is copied into the runtime image`,
      );
    }
    for (const app of ["api", "worker", "beat"]) {
      assert.ok(
        copied.includes(`apps/${app}/package.json`),
        `apps/${app}/package.json is installed in the runtime image`,
      );
    }
    const cmd = /^CMD (.*)$/m.exec(runtime)?.[1] ?? "";
    assert.deepEqual(JSON.parse(cmd), services.api?.command);
  });
});
