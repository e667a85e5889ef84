import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { isTerminal, type RunStatus } from "@switchyard/core/runs/run-status";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { REPO_ROOT } from "@switchyard/core/testing/test-database";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";

const execFileAsync = promisify(execFile);
const bin = join(import.meta.dirname, "../bin/switchyard.js");
const example = (name: string) => join(REPO_ROOT, "examples", `${name}.json`);

/** The gallery in examples/: each file loaded with `switchyard load`, run by a real worker against a local server. */
describe("example workflows", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let server: TestServer;
  let env: Record<string, string> = {};

  before(async () => {
    api = await startTestApi();
    server = await startTestServer();
    env = { ...api.deps.env, API_URL: api.url, LOG_LEVEL: "error" };
    worker = await startWorker(api.deps.env, 60_000);
  });
  after(async () => {
    await worker.stop();
    await server.close();
    await api.close();
  });

  const load = async (name: string, vars: Record<string, string>) => {
    const sets = Object.entries(vars).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
    const { stdout } = await execFileAsync(process.execPath, [bin, "load", example(name), ...sets], {
      env: { ...process.env, ...env },
    });
    return stdout.trim().split("\n");
  };
  const finished = (runId: string) =>
    eventually(
      async () => {
        const res = await api.request("GET", `/api/runs/${runId}`);
        return isTerminal(res.body.status as RunStatus) ? res.body : undefined;
      },
      60_000,
      `run ${runId} to finish`,
    );
  const requestsTo = (path: string) => server.requests.filter((r) => r.path === path);

  it("github-push-to-main: a signed push to main calls the deploy endpoint once, another branch does not", async () => {
    server.route("/deploy", () => ({ body: { deployed: true } }));
    const secret = "gh-s3cret";
    const lines = await load("github-push-to-main", {
      GITHUB_WEBHOOK_SECRET: secret,
      DEPLOY_URL: `${server.url}/deploy`,
    });
    assert.match(lines[0] ?? "", /^workflow [0-9a-f-]{36} github-push-to-main \(created\)$/);
    assert.ok(
      lines.includes(`webhook ${api.url}/api/workflows/github-push-to-main/triggers/webhook`),
      lines.join("\n"),
    );

    const deliver = (ref: string, opts: { delivery?: string; signWith?: string } = {}) => {
      const body = JSON.stringify({
        ref,
        after: "9f2c1e0",
        repository: { full_name: "acme/app" },
        pusher: { name: "dana" },
        compare: "https://github.com/acme/app/compare/1a2b...9f2c",
      });
      const signature = createHmac("sha256", opts.signWith ?? secret)
        .update(body)
        .digest("hex");
      return api.request("POST", "/api/workflows/github-push-to-main/triggers/webhook", {
        raw: body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          "x-github-delivery": opts.delivery ?? randomUUID(),
          "x-hub-signature-256": `sha256=${signature}`,
        },
      });
    };
    assert.equal((await deliver("refs/heads/main", { signWith: "wrong" })).status, 401);
    const delivery = randomUUID();
    const main = await deliver("refs/heads/main", { delivery });
    assert.equal(main.status, 202, JSON.stringify(main.body));
    const feature = await deliver("refs/heads/feature/login");
    assert.equal(feature.status, 202, JSON.stringify(feature.body));
    // A redelivery is the same signed body: refused as a replay inside the window (later, the same
    // X-GitHub-Delivery answers with the first run). Either way there is no second run.
    assert.equal((await deliver("refs/heads/main", { delivery })).status, 401);
    const runs = await api.request("GET", "/api/workflows/github-push-to-main/runs");
    assert.deepEqual(runs.body.map((r: { id: string }) => r.id).sort(), [main.body.id, feature.body.id].sort());

    const [mainRun, featureRun] = [await finished(main.body.id), await finished(feature.body.id)];
    assert.equal(mainRun.status, "succeeded", mainRun.error);
    assert.equal(featureRun.status, "succeeded", featureRun.error);
    assert.deepEqual(Object.keys(featureRun.output_payload.final_state.steps).sort(), ["ignored", "push"]);
    const calls = requestsTo("/deploy");
    assert.equal(calls.length, 1);
    assert.deepEqual(JSON.parse(calls[0]!.body), {
      repository: "acme/app",
      commit: "9f2c1e0",
      pusher: "dana",
      compare: "https://github.com/acme/app/compare/1a2b...9f2c",
    });
  });

  it("nightly-report: a cron dispatch fetches the previous day's orders and posts the report", async () => {
    const orders = [
      { id: "o-1", total: 12.5 },
      { id: "o-2", total: 30 },
      { id: "o-3", total: 18 },
    ];
    server.route("/orders", () => ({ body: { orders } }));
    server.route("/reports", () => ({ status: 204 }));
    const vars = { REPORT_SOURCE_URL: `${server.url}/orders`, REPORT_TARGET_URL: `${server.url}/reports` };
    const lines = await load("nightly-report", vars);
    assert.ok(lines.includes("cron 0 2 * * * UTC"), lines.join("\n"));
    // Loading the file again keeps the workflow and adds a version.
    const again = await load("nightly-report", vars);
    assert.match(again[0] ?? "", /\(existing\)$/);
    assert.match(again[1] ?? "", /^version 2 /);

    // Two days on, the latest missed 02:00 occurrence fires (catchup: latest).
    const now = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const dispatched = await api.request("POST", "/api/triggers/cron/dispatch", { body: { now } });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    assert.equal(dispatched.body.length, 1);
    const scheduledFor: string = dispatched.body[0].input_payload.scheduled_for;
    assert.match(scheduledFor, /T02:00:00\+00:00$/);
    const run = await finished(dispatched.body[0].id);
    assert.equal(run.status, "succeeded", run.error);

    const day = new Date(Date.parse(scheduledFor) - 86_400_000).toISOString().slice(0, 10);
    assert.deepEqual(
      requestsTo("/orders").map((r) => r.query),
      [{ day }],
    );
    const posted = requestsTo("/reports");
    assert.equal(posted.length, 1);
    assert.deepEqual(JSON.parse(posted[0]!.body), {
      text: `Orders on ${day}: 3, revenue 60.5`,
      report: { day, orders: 3, revenue: 60.5, average: 20.17, largest: "o-2" },
    });
  });

  it("approval-flow: a run waits for the approval signal, then calls the endpoint of the decision", async () => {
    for (const path of ["/ask", "/released", "/rejected"]) server.route(path, () => ({ body: { ok: true } }));
    const lines = await load("approval-flow", {
      APPROVAL_REQUEST_URL: `${server.url}/ask`,
      APPROVED_URL: `${server.url}/released`,
      REJECTED_URL: `${server.url}/rejected`,
      SWITCHYARD_URL: api.url,
    });
    assert.ok(
      lines.includes(`run it: switchyard trigger approval-flow --input '{"release":"v1.4.0","requested_by":"dana"}'`),
    );
    const workflow = (await api.request("GET", "/api/workflows/approval-flow")).body;
    const dispatched = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: {
        workflow_id: workflow.id,
        runs: [
          { input_payload: { release: "v2.0.0", requested_by: "dana" } },
          { input_payload: { release: "v2.1.0" } },
        ],
      },
    });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    const [approvedId, rejectedId] = dispatched.body.map((r: { id: string }) => r.id) as [string, string];
    for (const id of [approvedId, rejectedId]) {
      await eventually(
        async () => ((await api.request("GET", `/api/runs/${id}`)).body.status === "waiting" ? true : undefined),
        60_000,
        `run ${id} to wait`,
      );
    }
    // Each approval request tells where to post the decision.
    const asks = requestsTo("/ask").map((r) => JSON.parse(r.body));
    const decide = (id: string) => asks.find((a) => a.run_id === id)?.decide;
    assert.equal(decide(approvedId)?.url, `${api.url}/api/runs/${approvedId}/signals/approval`);
    assert.match(
      asks.find((a) => a.run_id === approvedId)?.text,
      /^Release v2\.0\.0 requested by dana needs approval$/,
    );

    const approve = await fetch(decide(approvedId).url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ approved: true, by: "lee" }),
    });
    assert.equal(approve.status, 200);
    const reject = await api.request("POST", `/api/runs/${rejectedId}/signals/approval`, {
      body: { approved: false, by: "kim", reason: "tests are red" },
    });
    assert.equal(reject.status, 200, JSON.stringify(reject.body));

    assert.equal((await finished(approvedId)).status, "succeeded");
    assert.equal((await finished(rejectedId)).status, "succeeded");
    assert.deepEqual(
      requestsTo("/released").map((r) => JSON.parse(r.body)),
      [{ release: "v2.0.0", approved_by: "lee" }],
    );
    assert.deepEqual(
      requestsTo("/rejected").map((r) => JSON.parse(r.body)),
      [{ release: "v2.1.0", rejected_by: "kim", reason: "tests are red" }],
    );
  });

  it("refuses a file whose variables are not all given, naming them", async () => {
    const out = await execFileAsync(
      process.execPath,
      [bin, "load", example("github-push-to-main"), "--set", "TYPO=1"],
      {
        env: { ...process.env, ...env },
      },
    ).then(
      () => assert.fail("expected load to fail"),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(out.code, 1);
    assert.match(out.stderr, /TYPO is not a variable of this file/);
    assert.match(out.stderr, /GITHUB_WEBHOOK_SECRET needs a value/);
  });

  it("fan-out-customers: one sync-customer child per customer, at most 5 at once, then a summary in item order", async () => {
    const customers = Array.from({ length: 12 }, (_, i) => ({ id: `c-${i}`, email: `user${i}@example.com` }));
    server.route("/customers", () => ({ body: { customers } }));
    let inFlight = 0;
    let maxInFlight = 0;
    const perCustomer = new Map<string, number>();
    let maxPerCustomer = 0;
    server.route("/crm", async (req) => {
      const { id } = JSON.parse(req.body) as { id: string };
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      perCustomer.set(id, (perCustomer.get(id) ?? 0) + 1);
      maxPerCustomer = Math.max(maxPerCustomer, perCustomer.get(id)!);
      await new Promise((resolve) => setTimeout(resolve, 10));
      perCustomer.set(id, perCustomer.get(id)! - 1);
      inFlight--;
      return id === "c-3" ? { status: 422, body: { error: "bad email" } } : { body: { synced: true } };
    });
    server.route("/summary", () => ({ body: { ok: true } }));
    await load("sync-customer", { CRM_URL: `${server.url}/crm` });
    await load("fan-out-customers", {
      CUSTOMERS_URL: `${server.url}/customers`,
      SUMMARY_URL: `${server.url}/summary`,
    });
    const limit = await api.request("GET", "/api/workflows/sync-customer/concurrency");
    assert.deepEqual(limit.body, { max_running: null, key: "input.item.id", max_running_per_key: 1 });
    const workflow = (await api.request("GET", "/api/workflows/fan-out-customers")).body;
    const dispatched = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: workflow.id, runs: [{ input_payload: {} }] },
    });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    const run = await finished(dispatched.body[0].id);
    assert.equal(run.status, "succeeded", run.error);
    const failedChild = run.output_payload.final_state.steps.sync.runs[3].id;
    assert.deepEqual(run.output_payload.result, { customers: 12, synced: 11, failed: [failedChild] });
    assert.deepEqual(
      run.output_payload.final_state.steps.sync.results.map((r: { id: string } | null) => r?.id ?? null),
      customers.map((c) => (c.id === "c-3" ? null : c.id)),
    );
    assert.deepEqual(JSON.parse(requestsTo("/summary")[0]!.body), run.output_payload.result);
    // c-3 was tried three times (its retry policy); at most 5 children were in flight at once.
    assert.equal(requestsTo("/crm").length, 14);
    assert.ok(maxInFlight <= 5 && maxInFlight > 1, `saw ${maxInFlight} in flight`);
    assert.equal(maxPerCustomer, 1);
  });
});
