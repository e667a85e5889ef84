import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("webhook invoke", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  /** A workflow inserted directly, with a version unless told otherwise, and a webhook config when given. */
  async function createWorkflow(handle: string, opts: { version?: boolean; archived?: boolean; config?: object } = {}) {
    const { db } = api.deps;
    const workflow = await db.workflow.create({ data: { name: handle, handle, isArchived: opts.archived ?? false } });
    if (opts.version !== false)
      await db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
    if (opts.config !== undefined) {
      const res = await api.request("PUT", `/api/workflows/${handle}/triggers/webhook/config`, { body: opts.config });
      assert.equal(res.status, 200, res.text);
    }
    return workflow;
  }
  const hook = (handle: string, query = "") => `/api/workflows/${handle}/triggers/webhook${query}`;
  const runCount = (workflowId: string) => api.deps.db.run.count({ where: { workflowId } });

  it("creates a pending webhook run, stores it in Postgres and enqueues its execute_run job", async () => {
    const workflow = await createWorkflow("basic");
    const res = await api.request("POST", hook("basic"), { body: { hello: "world" } });
    assert.equal(res.status, 202);
    assert.equal(res.body.status, "pending");
    assert.equal(res.body.triggered_by, "webhook");
    assert.equal(res.body.workflow_id, workflow.id);
    assert.deepEqual(res.body.input_payload.body, { hello: "world" });
    assert.deepEqual(
      res.body.audit_log.map((a: { action: string; actor: string }) => [a.action, a.actor]),
      [["run_created", "webhook"]],
    );
    const row = await api.deps.db.run.findUniqueOrThrow({ where: { id: res.body.id } });
    assert.equal(row.status, "pending");
    assert.equal(row.execute, true);
    const job = await api.deps.queues.runs.getJob(`run-${res.body.id}`);
    assert.equal(job?.name, "execute_run");
    assert.deepEqual(job?.data, { run_id: res.body.id });
  });

  it("answers 404 for an unknown or archived workflow and for one with no version", async () => {
    await createWorkflow("archived", { archived: true });
    const noVersion = await createWorkflow("empty", { version: false });
    for (const [ref, detail] of [
      ["missing", "Workflow not found"],
      ["00000000-0000-4000-8000-000000000000", "Workflow not found"],
      ["archived", "Workflow not found"],
      ["empty", "Workflow version not found"],
      [noVersion.id, "Workflow version not found"],
    ]) {
      const res = await api.request("POST", hook(ref!), { body: {} });
      assert.equal(res.status, 404, ref);
      assert.deepEqual(res.body, { detail }, ref);
    }
  });

  it("applies the checks in order, and rejected requests consume no rate-limit quota and create no run", async () => {
    const workflow = await createWorkflow("ordered", {
      config: {
        allowed_methods: ["POST"],
        required_headers: { "X-Custom": "yes" },
        required_query_params: { env: "prod" },
        secret_header: "x-token",
        shared_secret: "s3cret",
        rate_limit: { limit: 1, interval_seconds: 60 },
      },
    });
    const steps: [string, string, Record<string, string>, number, unknown][] = [
      ["GET", "", {}, 405, { detail: "Method GET not allowed. Allowed methods: POST" }],
      ["POST", "", {}, 400, { detail: "Missing or invalid required header: x-custom" }],
      ["POST", "", { "x-custom": "no" }, 400, { detail: "Missing or invalid required header: x-custom" }],
      ["POST", "", { "x-custom": "yes" }, 400, { detail: "Missing or invalid required query parameter: env" }],
      ["POST", "?env=dev", { "x-custom": "yes" }, 400, { detail: "Missing or invalid required query parameter: env" }],
      ["POST", "?env=prod", { "x-custom": "yes" }, 401, { detail: "Invalid webhook authentication credentials" }],
      [
        "POST",
        "?env=prod",
        { "x-custom": "yes", "x-token": "wrong" },
        401,
        { detail: "Invalid webhook authentication credentials" },
      ],
    ];
    for (const [method, query, headers, status, body] of steps) {
      const res = await api.request(method, hook("ordered", query), { headers });
      assert.equal(res.status, status, `${method} ${query} ${JSON.stringify(headers)}`);
      assert.deepEqual(res.body, body);
    }
    assert.equal(await runCount(workflow.id), 0);
    const good = { "x-custom": "yes", "x-token": "s3cret" };
    assert.equal((await api.request("POST", hook("ordered", "?env=prod"), { headers: good })).status, 202);
    const limited = await api.request("POST", hook("ordered", "?env=prod"), { headers: good });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, { detail: "Webhook rate limit exceeded. Limit: 1 requests per 60 seconds" });
    // Over the limit, earlier checks still answer first.
    assert.equal(
      (await api.request("POST", hook("ordered", "?env=prod"), { headers: { "x-custom": "yes" } })).status,
      401,
    );
    assert.equal(await runCount(workflow.id), 1);
  });

  it("answers 405 with an Allow header, and accepts each configured method", async () => {
    await createWorkflow("methods", { config: { allowed_methods: ["PUT", "PATCH", "DELETE"] } });
    const res = await api.request("POST", hook("methods"), { body: {} });
    assert.equal(res.status, 405);
    assert.deepEqual(res.body, { detail: "Method POST not allowed. Allowed methods: DELETE, PATCH, PUT" });
    assert.equal(res.headers.get("allow"), "DELETE, PATCH, PUT");
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      assert.equal((await api.request(method, hook("methods"), { body: { method } })).status, 202, method);
    }
    // The defaults allow GET and POST.
    await createWorkflow("defaults");
    assert.equal((await api.request("GET", hook("defaults"))).status, 202);
    assert.equal((await api.request("DELETE", hook("defaults"))).status, 405);
  });

  it("answers 413 past max_body_bytes, after the method check and before the other checks", async () => {
    const workflow = await createWorkflow("small", {
      config: { max_body_bytes: 10, required_headers: { "x-custom": "yes" } },
    });
    const big = await api.request("POST", hook("small"), { raw: "x".repeat(11) });
    assert.equal(big.status, 413);
    assert.deepEqual(big.body, { detail: "Request body too large" });
    assert.equal((await api.request("PUT", hook("small"), { raw: "x".repeat(11) })).status, 405);
    // Without a Content-Length (chunked), the limit holds while streaming.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("abcdef"));
        controller.close();
      },
    });
    const chunked = await fetch(api.url + hook("small"), {
      method: "POST",
      body: chunks,
      duplex: "half",
    } as RequestInit);
    assert.equal(chunked.status, 413);
    const fits = await api.request("POST", hook("small"), { raw: "x".repeat(10), headers: { "x-custom": "yes" } });
    assert.equal(fits.status, 202);
    assert.deepEqual(fits.body.input_payload.body, { raw: "xxxxxxxxxx" });
    assert.equal(await runCount(workflow.id), 1);
  });

  it("stores body, filtered headers, first query values and the source address as input_payload", async () => {
    await createWorkflow("payload", { config: { secret_header: "X-Key", shared_secret: "k" } });
    const res = await api.request("POST", hook("payload", "?env=prod&env=dev&n=1"), {
      body: { b: 2, a: [1, "é"] },
      headers: {
        "x-key": "k",
        authorization: "Bearer abc",
        cookie: "session=1",
        "x-api-token": "t",
        "x-client-secret": "s",
        "x-signature": "sig",
        "X-Custom": "Kept",
      },
    });
    assert.equal(res.status, 202, res.text);
    const input = res.body.input_payload;
    assert.deepEqual(Object.keys(input).sort(), ["body", "headers", "query_params", "source_ip"]);
    assert.deepEqual(input.body, { b: 2, a: [1, "é"] });
    assert.deepEqual(input.query_params, { env: "prod", n: "1" });
    assert.equal(input.source_ip, "127.0.0.1");
    assert.equal(input.headers["x-custom"], "Kept");
    assert.equal(input.headers["content-type"], "application/json");
    for (const name of ["x-key", "authorization", "cookie", "x-api-token", "x-client-secret", "x-signature"]) {
      assert.equal(input.headers[name], undefined, name);
    }
    const row = await api.deps.db.run.findUniqueOrThrow({ where: { id: res.body.id } });
    assert.deepEqual(row.inputPayload, input);
  });

  it("keeps headers and query parameters named like credentials out of the stored input, and ordinary ones in", async () => {
    await createWorkflow("redacted");
    const query =
      "?token=t1&secret=s1&api_key=k1&apikey=k2&access_token=a1&password=p1&passwd=p2&auth=x&session_id=s2" +
      "&page=2&keyword=shoes&monkey=banana";
    const res = await api.request("POST", hook("redacted", query), {
      body: { ok: true },
      headers: {
        "x-api-key": "k3",
        "api-key": "k4",
        "x-password": "p3",
        "x-session-id": "s3",
        "x-auth": "a2",
        "x-hub-signature-256": "sha256=00",
        "user-agent": "GitHub-Hookshot/1",
        "x-github-event": "push",
      },
    });
    assert.equal(res.status, 202, res.text);
    const row = await api.deps.db.run.findUniqueOrThrow({ where: { id: res.body.id } });
    const stored = row.inputPayload as { headers: Record<string, string>; query_params: Record<string, string> };
    assert.deepEqual(stored.query_params, { page: "2", keyword: "shoes", monkey: "banana" });
    assert.equal(stored.headers["user-agent"], "GitHub-Hookshot/1");
    assert.equal(stored.headers["x-github-event"], "push");
    assert.equal(stored.headers["content-type"], "application/json");
    for (const name of ["x-api-key", "api-key", "x-password", "x-session-id", "x-auth", "x-hub-signature-256"]) {
      assert.equal(stored.headers[name], undefined, name);
    }
    const text = JSON.stringify(row.inputPayload);
    for (const secret of ["t1", "s1", "k1", "k2", "a1", "p1", "p2", "s2", "k3", "k4", "p3", "s3", "a2", "sha256=00"]) {
      assert.ok(!text.includes(`"${secret}"`), `${secret} is stored`);
    }
  });

  it("stores {} for an empty body, {raw} for text and {raw, parsed} with preserve_raw_body", async () => {
    await createWorkflow("bodies");
    const empty = await api.request("POST", hook("bodies"));
    assert.deepEqual(empty.body.input_payload.body, {});
    const text = await api.request("POST", hook("bodies"), {
      raw: "a=1&b=2",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.deepEqual(text.body.input_payload.body, { raw: "a=1&b=2" });
    const binary = await api.request("POST", hook("bodies"), { raw: Buffer.from([0x68, 0xff, 0x00, 0x69]) });
    assert.equal(binary.status, 202);
    assert.deepEqual(binary.body.input_payload.body, { raw: "h\uFFFD\uFFFDi" });
    const preserved = await api.request("POST", hook("bodies", "?preserve_raw_body=true&x=1"), { raw: '{"a": 1}' });
    assert.deepEqual(preserved.body.input_payload.body, { raw: '{"a": 1}', parsed: { a: 1 } });
    assert.deepEqual(preserved.body.input_payload.query_params, { x: "1" });
    const preservedText = await api.request("POST", hook("bodies", "?preserve_raw_body=true"), { raw: "<xml/>" });
    assert.deepEqual(preservedText.body.input_payload.body, { raw: "<xml/>" });
  });

  it("answers a Slack URL verification with its challenge and creates no run", async () => {
    const workflow = await createWorkflow("slack");
    const res = await api.request("POST", hook("slack"), {
      body: { token: "x", type: "url_verification", challenge: "c-123" },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { challenge: "c-123" });
    for (const body of [{ type: "url_verification" }, { type: "url_verification", challenge: "  " }]) {
      const missing = await api.request("POST", hook("slack"), { body });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.body, { detail: "Missing Slack challenge value" });
    }
    assert.equal(await runCount(workflow.id), 0);
  });

  it("creates one run for 20 concurrent deliveries with one idempotency key and answers 200 with it to the others", async () => {
    const workflow = await createWorkflow("idem", { config: { idempotency_header: "X-GitHub-Delivery" } });
    const deliveries = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.request("POST", hook("idem"), { body: { attempt: i }, headers: { "x-github-delivery": "delivery-1" } }),
      ),
    );
    const statuses = deliveries.map((d) => d.status).sort();
    assert.deepEqual(statuses, [...Array<number>(19).fill(200), 202].sort());
    const ids = new Set(deliveries.map((d) => d.body.id));
    assert.equal(ids.size, 1);
    assert.equal(await runCount(workflow.id), 1);
    const duplicate = deliveries.find((d) => d.status === 200)!;
    assert.equal(duplicate.body.triggered_by, "webhook");
    assert.deepEqual(
      duplicate.body.audit_log.map((a: { action: string }) => a.action),
      ["run_created"],
    );
    // Another key, or no key, is another delivery.
    assert.equal(
      (await api.request("POST", hook("idem"), { headers: { "x-github-delivery": "delivery-2" } })).status,
      202,
    );
    assert.equal((await api.request("POST", hook("idem"))).status, 202);
    assert.equal(await runCount(workflow.id), 3);
  });
});
