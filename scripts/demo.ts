/**
 * The demo's walk through the HTTP API, against the api + worker + beat that scripts/demo.sh started: creates (or
 * reuses) the `demo-orders` workflow (scripts/demo-workflow.ts), adds a version, configures its webhook and cron
 * triggers, fires the webhook, follows the run until it ends and prints what it logged, then where the dashboards
 * are and how to sign in. Exits non-zero if anything on the way fails.
 */
import { parseConfig } from "@switchyard/core/config";
import { signInLines } from "./demo-sign-in";
import { DEMO_GRAPH, DEMO_HANDLE, DEMO_ORDER } from "./demo-workflow";

const HANDLE = DEMO_HANDLE;
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

const config = parseConfig(process.env);
const base = config.API_URL.replace(/\/+$/, "");
const auth: Record<string, string> =
  config.AUTH_MODE === "required" && config.API_TOKENS[0] !== undefined
    ? { authorization: `Bearer ${config.API_TOKENS[0]}` }
    : {};

type Reply = { status: number; body: any };

async function call(method: string, path: string, body?: unknown, expect: number[] = [200, 201, 202]): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const parsed: unknown = text.length > 0 ? JSON.parse(text) : undefined;
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return { status: res.status, body: parsed };
}

const say = (line: string) => process.stdout.write(`demo: ${line}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilReady(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the API at ${base} was not ready within ${timeoutMs / 1000} s`);
    await pause(250);
  }
}

async function main(): Promise<void> {
  say(`waiting for the API at ${base}/readyz`);
  await waitUntilReady(90_000);

  const existing = await call("GET", `/api/workflows/${HANDLE}`, undefined, [200, 404]);
  const workflow =
    existing.status === 200
      ? existing.body
      : (
          await call("POST", "/api/workflows", {
            name: "Demo orders",
            handle: HANDLE,
            description: "Created by make demo",
          })
        ).body;
  say(`${existing.status === 200 ? "reusing" : "created"} workflow ${workflow.handle} (${workflow.id})`);

  const version = (
    await call("POST", `/api/workflows/${HANDLE}/versions`, {
      graph: DEMO_GRAPH,
      created_by: "demo",
      notes: "make demo",
    })
  ).body;
  say(`added version ${version.version}: a webhook's order is totalled and logged, a cron run logs its schedule`);

  await call("PUT", `/api/workflows/${HANDLE}/triggers/webhook/config`, { allowed_methods: ["POST"] });
  // Every 5 minutes is the most frequent schedule allowed without allow_overlapping.
  await call("PUT", `/api/workflows/${HANDLE}/triggers/cron/config`, { expression: "*/5 * * * *", timezone: "UTC" });
  say("webhook accepts POST; cron fires every 5 minutes (*/5 * * * *, UTC)");

  const fired = await call("POST", `/api/workflows/${HANDLE}/triggers/webhook`, DEMO_ORDER, [202]);
  const runId: string = fired.body.id;
  say(`POST /api/workflows/${HANDLE}/triggers/webhook -> 202, run ${runId}`);

  let last = "";
  const deadline = Date.now() + 60_000;
  let run: any;
  for (;;) {
    run = (await call("GET", `/api/runs/${runId}`)).body;
    if (run.status !== last) {
      say(`run ${runId}: ${last === "" ? "" : `${last} -> `}${run.status}`);
      last = run.status;
    }
    if (TERMINAL.has(run.status)) break;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} is still ${run.status} after 60 s: is the worker running?`);
    await pause(100);
  }
  if (run.status !== "succeeded") throw new Error(`run ${runId} ended ${run.status}: ${String(run.error)}`);
  const steps: { node_id: string; log: { message?: string } | null }[] = (await call("GET", `/api/runs/${runId}/steps`))
    .body;
  for (const step of steps) if (step.log?.message !== undefined) say(`run ${runId} logged: ${step.log.message}`);
  say(`output: ${JSON.stringify(run.output_payload?.final_state?.steps ?? run.output_payload)}`);
  say(`history: ${base}/api/executions/${runId}/history`);
  say(
    `fire it again: curl -X POST -H 'content-type: application/json' -d '{"customer":"Grace","items":[]}' ${base}/api/workflows/${HANDLE}/triggers/webhook`,
  );
  for (const line of signInLines(config)) say(line);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
