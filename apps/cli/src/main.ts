import { parseArgs } from "node:util";
import { parseConfig } from "@switchyard/core/config";
import { KEYS_USAGE, runKeysCommand, UsageError } from "./keys";
import { runSecretsCommand, SECRETS_USAGE } from "./secrets";
import { assertCronExpression, assertTimezone, nextFireTimes } from "@switchyard/core/triggers/cron/cron-schedule";
import type { ApiCall } from "@switchyard/core/workflows/install-workflow-bundle";
import { loadWorkflowFile } from "./load-command";

const USAGE = `usage: switchyard <command>
  workflows                                      list workflows
  load <file.json> [--set NAME=VALUE]...         install a workflow file (examples/): workflow, version, triggers
  trigger <workflow> [--input JSON] [--follow]   dispatch a manual run; --follow polls it to its end
  steps <run_id>                                 the run's execution history steps
  cron-preview "<expr>" [--tz Zone] [--count N]  next fire times, offline
  requeue                                        one reconciler pass over stuck pending runs
${KEYS_USAGE}
${SECRETS_USAGE}`;

const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

type Json = any;

/** Answers every status; `createClient` throws on anything but 2xx. */
function createRawClient(): ApiCall {
  const config = parseConfig(process.env);
  const token = config.API_TOKENS[0];
  return async (method, path, body) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(config.API_URL + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed: Json = await res.json().catch(() => null);
    return { status: res.status, body: parsed };
  };
}

function createClient() {
  const raw = createRawClient();
  return async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await raw(method, path, body);
    if (res.status < 200 || res.status > 299) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body?.detail ?? res.body)}`);
    }
    return res.body;
  };
}

async function trigger(ref: string, input: string, follow: boolean): Promise<number> {
  const api = createClient();
  const workflow: Json = await api("GET", `/api/workflows/${encodeURIComponent(ref)}`);
  const [run]: Json[] = await api("POST", "/api/triggers/manual/dispatch", {
    workflow_id: workflow.id,
    runs: [{ input_payload: JSON.parse(input) }],
  });
  console.log(`${run.id} ${run.status}`);
  if (!follow) return 0;
  let status: string = run.status;
  while (!TERMINAL.has(status)) {
    await new Promise((resolve) => setTimeout(resolve, 250)); // polling interval of the API, not a test wait
    const current: Json = await api("GET", `/api/runs/${run.id}`);
    if (current.status !== status) {
      status = current.status;
      console.log(`${run.id} ${status}`);
    }
  }
  return status === "succeeded" ? 0 : 1;
}

async function requeue(): Promise<void> {
  // Loaded here only: the other commands need no database or Redis.
  const { bootProcess } = await import("@switchyard/core/process/lifecycle");
  const { createDb } = await import("@switchyard/core/db");
  const { createRedis } = await import("@switchyard/core/redis");
  const { closeQueues, createQueues } = await import("@switchyard/core/jobs/queues");
  const { createReconciler } = await import("@switchyard/core/beat/reconcile-runs");
  const { config, logger } = bootProcess("cli");
  const db = createDb(config);
  const redis = createRedis(config.REDIS_URL, "producer");
  const queues = createQueues(redis, config.QUEUE_PREFIX);
  try {
    const reconciler = createReconciler({ db, queues, logger }, { afterSeconds: config.RECONCILE_AFTER_SECONDS });
    const enqueued = await reconciler.reconcile();
    console.log(`requeued ${enqueued.length} run(s)`);
    for (const id of enqueued) console.log(id);
  } finally {
    await closeQueues(queues);
    redis.disconnect();
    await db.$disconnect();
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: "string", default: "{}" },
      follow: { type: "boolean", default: false },
      tz: { type: "string", default: "UTC" },
      count: { type: "string", default: "10" },
      set: { type: "string", multiple: true, default: [] },
      name: { type: "string" },
      scopes: { type: "string" },
    },
  });
  const [command, arg] = positionals;
  switch (command) {
    case "workflows": {
      const workflows: Json[] = await createClient()("GET", "/api/workflows");
      for (const w of workflows) console.log(`${w.id}\t${w.handle ?? ""}\t${w.name}\tv${w.latest_version ?? "-"}`);
      return 0;
    }
    case "load": {
      if (arg === undefined) break;
      const apiUrl = parseConfig(process.env).API_URL;
      for (const line of await loadWorkflowFile(createRawClient(), apiUrl, arg, values.set)) console.log(line);
      return 0;
    }
    case "trigger":
      if (arg === undefined) break;
      return trigger(arg, values.input, values.follow);
    case "steps": {
      if (arg === undefined) break;
      const history: Json = await createClient()("GET", `/api/executions/${encodeURIComponent(arg)}/history`);
      for (const step of history.steps) console.log(JSON.stringify(step));
      return 0;
    }
    case "cron-preview": {
      if (arg === undefined) break;
      assertCronExpression(arg);
      assertTimezone(values.tz);
      const schedule = { expression: arg, timezone: values.tz, startAt: null, endAt: null };
      for (const at of nextFireTimes(schedule, new Date(), Number(values.count))) {
        console.log(at.toLocaleString("sv-SE", { timeZone: values.tz }) + ` ${values.tz}\t${at.toISOString()}`);
      }
      return 0;
    }
    case "requeue":
      await requeue();
      return 0;
    case "keys":
    case "secrets":
      try {
        const config = parseConfig(process.env);
        return await (command === "keys"
          ? runKeysCommand(config, arg, positionals[2], values)
          : runSecretsCommand(config, arg));
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`switchyard: ${err.message}`);
        break;
      }
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
