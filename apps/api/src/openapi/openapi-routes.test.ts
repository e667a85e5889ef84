import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { z } from "zod";
import { ExecutionHistoryResponse, RunResponse, RunStepResponse } from "@switchyard/core/runs/run-response";
import { CronOutlookResponse } from "@switchyard/core/triggers/cron/cron-occurrences";
import { VersionDiffResponse, VersionResponse, WorkflowResponse } from "@switchyard/core/workflows/workflow-response";
import { CronConfigResponse } from "@switchyard/core/triggers/cron/cron-config";
import { WebhookConfigResponse } from "@switchyard/core/triggers/webhook/webhook-config";
import { RetentionResponse } from "@switchyard/core/workflows/retention-policy";
import { RetryPolicyBody } from "@switchyard/core/workflows/retry-policy";
import { startTestApi, type TestApi } from "../testing/start-api";
import { createOpenApiDocument } from "./openapi-document";
import { SystemQueuesResponse } from "@switchyard/core/observability/system-queues-response";

const TOKEN = "docs-test-token";

describe("GET /api/openapi.json and /api/docs", () => {
  let api: TestApi;
  const auth = { authorization: `Bearer ${TOKEN}` };
  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required", API_TOKENS: TOKEN, ADMIN_USERNAME: "ops", ADMIN_PASSWORD: "pw" });
  });
  after(async () => {
    await api.close();
  });

  it("serves the document publicly, even when the API needs a token", async () => {
    const res = await api.request("GET", "/api/openapi.json");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(res.body, JSON.parse(JSON.stringify(createOpenApiDocument())));
    assert.equal((await api.request("GET", "/api/workflows")).status, 401);
  });

  it("serves the reference page and its assets from the package, nothing else", async () => {
    const page = await api.request("GET", "/api/docs");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(sources.length >= 3);
    for (const source of sources) {
      assert.ok(source.startsWith("/api/docs/assets/"), `${source} is served locally`);
      const asset = await api.request("GET", source);
      assert.equal(asset.status, 200, source);
    }
    const script = await api.request("GET", "/api/docs/assets/init.js");
    assert.match(script.text, /validatorUrl: null/);
    assert.equal((await api.request("GET", "/api/docs/assets/index.html")).status, 404);
    assert.equal((await api.request("GET", "/api/docs/assets/package.json")).status, 404);
  });

  it("answers what the response schemas say", async () => {
    const call = async <S extends z.ZodType>(
      schema: S,
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = auth,
    ) => {
      const res = await api.request(method, path, { body, headers });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
      const parsed = schema.safeParse(res.body);
      assert.ok(parsed.success, `${method} ${path}: ${JSON.stringify(parsed.error?.issues)}`);
      return parsed.data as z.output<S>;
    };
    const array = <S extends z.ZodType>(schema: S) => ({ safeParse: (v: unknown) => schema.array().safeParse(v) });

    const workflow = await call(WorkflowResponse, "POST", "/api/workflows", {
      name: "Documented",
      handle: "documented",
    });
    await call(array(WorkflowResponse) as never, "GET", "/api/workflows");
    const graph = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
    const version = await call(VersionResponse, "POST", "/api/workflows/documented/versions", { graph });
    await call(VersionResponse, "POST", "/api/workflows/documented/versions", {
      graph: { nodes: [{ id: "a", type: "set", params: { value: 2 } }], edges: [] },
    });
    await call(VersionDiffResponse, "GET", "/api/workflows/documented/versions/1/diff/2");
    await call(RetryPolicyBody, "GET", "/api/workflows/documented/retry-policy");
    await call(RetentionResponse, "PUT", "/api/workflows/documented/retention", { failed_days: 60 });
    await call(WebhookConfigResponse, "PUT", "/api/workflows/documented/triggers/webhook/config", {
      secret_header: "x-secret",
      shared_secret: "s3cret",
      rate_limit: { limit: 5 },
    });
    await call(CronConfigResponse, "PUT", "/api/workflows/documented/triggers/cron/config", {});

    const run = await call(RunResponse, "POST", `/api/workflows/${workflow.id}/runs`, {
      workflow_version_id: version.id,
      triggered_by: "docs",
    });
    await call(RunResponse, "POST", `/api/runs/${run.id}/start`, {});
    await call(RunResponse, "POST", `/api/runs/${run.id}/fail`, { error: "boom" });
    await call(RunResponse, "POST", `/api/runs/${run.id}/retry`, {});
    await call(ExecutionHistoryResponse, "GET", `/api/executions/${run.id}/history`);
    await call(array(RunResponse) as never, "GET", "/api/workflows/documented/runs");

    // Beyond Orcheo: the dashboard's reads, with a stored step and a decided cron occurrence to describe.
    await api.deps.db.$executeRawUnsafe(
      `INSERT INTO run_steps (run_id, node_id, attempt, status, output, error, log, started_at, finished_at)
       VALUES ($1::uuid, 'a', 1, 'succeeded', '1'::jsonb, NULL, '{"level": "info", "message": "hi"}'::jsonb, now(), now())`,
      run.id,
    );
    await api.deps.db.$executeRawUnsafe(
      `INSERT INTO cron_occurrences (workflow_id, scheduled_for, outcome, run_id, covers_until)
       VALUES ($1::uuid, '2026-01-01T00:00:00Z', 'caught_up', NULL, '2026-01-01T01:00:00Z')`,
      workflow.id,
    );
    const steps = await call(array(RunStepResponse) as never, "GET", `/api/runs/${run.id}/steps`);
    assert.equal((steps as unknown[]).length, 1);
    const runs = await call(array(RunResponse) as never, "GET", "/api/runs?triggered_by=docs&limit=1");
    assert.ok((runs as unknown[]).length > 0);
    const outlook = await call(CronOutlookResponse, "GET", "/api/workflows/documented/triggers/cron/occurrences");
    assert.equal(outlook.occurrences.length, 1);
    assert.equal(outlook.next_fire_times.length, 10);
    await call(SystemQueuesResponse, "GET", "/api/system/queues");

    // The dashboard's actions.
    const admin = { authorization: `Basic ${Buffer.from("ops:pw").toString("base64")}`, "x-requested-with": "t" };
    const retried = await call(RunResponse, "POST", `/api/runs/${run.id}/retry`, {});
    await call(RunResponse, "POST", `/admin/api/runs/${retried.id}/cancel`, { reason: "docs" }, admin);
    await call(RunResponse, "POST", `/admin/api/runs/${retried.id}/retry`, {}, admin);
    await call(RunResponse, "POST", `/admin/api/runs/${retried.id}/rerun`, { input_payload: { n: 2 } }, admin);
  });
});
