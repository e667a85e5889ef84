import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service, type IContainer } from "kubernetes-models/v1";
import { parseAllDocuments, parse } from "yaml";
import { Config } from "@switchyard/core/config";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../..");
const dir = join(repoRoot, "deploy/kubernetes");

// Each kind the manifests use, with the model that validates it against its schema (Kubernetes' OpenAPI, KEDA's CRD).
const MODELS: Record<string, new (data: never) => { validate: () => void }> = {
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
};

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: unknown; data?: unknown };
type Pod = { terminationGracePeriodSeconds?: number; containers: IContainer[] };

let files: string[] = [];
const objects: (Manifest & { file: string })[] = [];
before(async () => {
  files = (await readdir(dir)).filter((name) => name.endsWith(".yaml") && name !== "kustomization.yaml").sort();
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      assert.deepEqual(doc.errors, [], file);
      objects.push({ ...(doc.toJS() as Manifest), file });
    }
  }
});

const find = (kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found;
};
const podOf = (name: string) =>
  (find("Deployment", name).spec as { template: { spec: Pod } }).template.spec satisfies Pod;
const containerOf = (name: string) => podOf(name).containers[0] as IContainer;

// The `node ...` command of a systemd unit, the interpreter's path dropped.
async function unitOf(name: string): Promise<{ command: string[]; stopSeconds: number }> {
  const text = await readFile(join(repoRoot, "deploy/systemd", name), "utf8");
  const line = /^ExecStart=(.*)$/m.exec(text)?.[1] ?? "";
  return {
    command: line.split(/\s+/).map((word, index) => (index === 0 ? word.replace(/^.*\//, "") : word)),
    stopSeconds: Number(/^TimeoutStopSec=(\d+)$/m.exec(text)?.[1]),
  };
}

async function composeServices(): Promise<Record<string, { command?: string[]; stop_grace_period?: string }>> {
  const { stdout } = await run("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: repoRoot });
  return (parse(stdout) as { services: Record<string, { command?: string[]; stop_grace_period?: string }> }).services;
}

describe("deploy/kubernetes", () => {
  it("parses, and every object validates against its schema", () => {
    assert.ok(objects.length >= 8);
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      assert.ok(Model, `${object.file}: ${object.apiVersion} ${object.kind} has a model`);
      assert.doesNotThrow(() => new Model(object as never).validate(), `${object.file}: ${object.kind}`);
    }
  });

  it("lists every manifest but the secret example in its kustomization", async () => {
    const kustomization = parse(await readFile(join(dir, "kustomization.yaml"), "utf8")) as { resources: string[] };
    assert.deepEqual(
      [...kustomization.resources].sort(),
      files.filter((f) => f !== "secret.example.yaml"),
    );
  });

  it("runs the systemd units' and compose's commands with their shutdown times", async () => {
    const compose = await composeServices();
    for (const [app, unit] of [
      ["api", "switchyard-api.service"],
      ["worker", "switchyard-worker@.service"],
      ["beat", "switchyard-beat.service"],
    ] as const) {
      const { command, stopSeconds } = await unitOf(unit);
      assert.deepEqual(containerOf(`switchyard-${app}`).command, command, app);
      assert.deepEqual(compose[app]?.command, command, app);
      assert.equal(podOf(`switchyard-${app}`).terminationGracePeriodSeconds, stopSeconds, app);
      assert.equal(compose[app]?.stop_grace_period, `${stopSeconds}s`, app);
    }
    // The preStop pause plus the API's forced exit (30 s) fit in its grace period.
    const pause = Number(containerOf("switchyard-api").lifecycle?.preStop?.exec?.command?.[1]);
    assert.ok(pause + 30 < (podOf("switchyard-api").terminationGracePeriodSeconds ?? 0));
  });

  it("uses the configured ports, the health routes as probes, and requests resources", () => {
    const defaults = Config.parse({});
    const configMap = find("ConfigMap", "switchyard-config").data as Record<string, string>;
    const api = containerOf("switchyard-api");
    assert.equal(api.ports?.[0]?.containerPort, Number(configMap.PORT));
    assert.equal(api.livenessProbe?.httpGet?.path, "/healthz");
    assert.equal(api.readinessProbe?.httpGet?.path, "/readyz");
    const service = find("Service", "switchyard-api").spec as { ports: { port: number }[] };
    assert.equal(service.ports[0]?.port, Number(configMap.PORT));
    assert.equal(configMap.API_URL, `http://switchyard-api:${configMap.PORT}`);
    assert.equal(containerOf("switchyard-worker").ports?.[0]?.containerPort, defaults.METRICS_PORT);
    assert.equal(containerOf("switchyard-beat").ports?.[0]?.containerPort, defaults.BEAT_METRICS_PORT);
    for (const app of ["api", "worker", "beat"]) {
      const container = containerOf(`switchyard-${app}`);
      assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory, app);
      const refs = (container.envFrom ?? []).map((e) => e.configMapRef?.name ?? e.secretRef?.name);
      assert.deepEqual(refs, ["switchyard-config", "switchyard-secrets"], app);
    }
    const pdb = find("PodDisruptionBudget", "switchyard-api").spec as { selector: unknown };
    assert.deepEqual(pdb.selector, { matchLabels: { "app.kubernetes.io/name": "switchyard-api" } });
  });

  it("names only variables the platform reads", () => {
    const known = new Set(Object.keys(Config.shape));
    const configMap = find("ConfigMap", "switchyard-config").data as Record<string, string>;
    const secret = (find("Secret", "switchyard-secrets") as { stringData?: Record<string, string> }).stringData ?? {};
    for (const name of [...Object.keys(configMap), ...Object.keys(secret)]) assert.ok(known.has(name), name);
  });

  it("scales the worker Deployment on the runs queue's backlog as the API exports it", async () => {
    const spec = find("ScaledObject", "switchyard-worker").spec as {
      scaleTargetRef: { name: string };
      triggers: { type: string; metadata: { query: string; threshold: string } }[];
    };
    assert.equal(spec.scaleTargetRef.name, "switchyard-worker");
    const [trigger] = spec.triggers;
    assert.equal(trigger?.type, "prometheus");
    assert.match(
      trigger?.metadata.query ?? "",
      /^max\(switchyard_queue_jobs\{queue="runs",state=~"waiting\|prioritized"\}\)$/,
    );
    const source = await readFile(join(repoRoot, "packages/core/src/observability/queue-depth.ts"), "utf8");
    assert.match(source, /switchyard_queue_jobs/);
  });
});
