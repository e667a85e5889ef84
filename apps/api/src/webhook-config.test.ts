import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";
import { secretBoxFor } from "@switchyard/core/secrets/secret-box";

const DEFAULTS = {
  allowed_methods: ["GET", "POST"],
  required_headers: {},
  required_query_params: {},
  secret_header: null,
  shared_secret: null,
  hmac_header: null,
  hmac_secret: null,
  hmac_algorithm: "sha256",
  hmac_timestamp_header: null,
  hmac_tolerance_seconds: 300,
  rate_limit: null,
  idempotency_header: null,
  max_body_bytes: 1_048_576,
  response: { mode: "async", timeout_ms: 10_000 },
  debounce: null,
};

describe("webhook config API", () => {
  let api: TestApi;
  let workflowId: string;
  const path = "/api/workflows/hooks/triggers/webhook/config";
  before(async () => {
    api = await startTestApi();
    workflowId = (await api.deps.db.workflow.create({ data: { name: "Hooks", handle: "hooks" } })).id;
  });
  after(async () => {
    await api.close();
  });

  it("reads the defaults for a workflow with no saved config", async () => {
    const res = await api.request("GET", path);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, DEFAULTS);
  });

  it("answers 404 for an unknown workflow", async () => {
    for (const method of ["GET", "PUT"]) {
      const res = await api.request(
        method,
        "/api/workflows/nope/triggers/webhook/config",
        method === "PUT" ? { body: {} } : {},
      );
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { detail: "Workflow not found" });
    }
  });

  it("saves a normalised config, addressed by handle or UUID, and reads it back", async () => {
    const res = await api.request("PUT", path, {
      body: {
        allowed_methods: ["post", "Put", "POST"],
        required_headers: { "X-Custom": "yes" },
        required_query_params: { env: "prod" },
        hmac_header: "X-Hub-Signature-256",
        hmac_secret: "h1",
        hmac_algorithm: "sha512",
        hmac_timestamp_header: "X-Ts",
        hmac_tolerance_seconds: 0,
        rate_limit: { limit: 5 },
        idempotency_header: "X-GitHub-Delivery",
        max_body_bytes: 2048,
      },
    });
    assert.equal(res.status, 200);
    const expected = {
      ...DEFAULTS,
      allowed_methods: ["POST", "PUT"],
      required_headers: { "x-custom": "yes" },
      required_query_params: { env: "prod" },
      hmac_header: "x-hub-signature-256",
      hmac_secret: "********",
      hmac_algorithm: "sha512",
      hmac_timestamp_header: "x-ts",
      hmac_tolerance_seconds: 0,
      rate_limit: { limit: 5, interval_seconds: 60 },
      idempotency_header: "x-github-delivery",
      max_body_bytes: 2048,
    };
    assert.deepEqual(res.body, expected);
    assert.deepEqual((await api.request("GET", `/api/workflows/${workflowId}/triggers/webhook/config`)).body, expected);
  });

  it("never shows a secret, and keeps the stored one when it is sent back masked", async () => {
    await api.request("PUT", path, {
      body: { secret_header: "x-token", shared_secret: "s1", hmac_header: "x-sig", hmac_secret: "h1" },
    });
    const read = await api.request("GET", path);
    assert.equal(read.body.shared_secret, "********");
    assert.equal(read.body.hmac_secret, "********");
    assert.ok(!read.text.includes("s1") && !read.text.includes("h1"));

    // Read, edit, save: the masked secrets come back unchanged.
    const saved = await api.request("PUT", path, { body: { ...read.body, allowed_methods: ["POST"] } });
    assert.equal(saved.status, 200);
    const row = await api.deps.db.webhookConfig.findUniqueOrThrow({ where: { workflowId } });
    const stored = row.config as { shared_secret: string; hmac_secret: string; allowed_methods: string[] };
    // Stored encrypted (SECRET_KEY), and the same secrets once decrypted.
    const box = secretBoxFor(api.deps.config);
    assert.match(stored.shared_secret, /^enc:v1:/);
    assert.equal(box.decrypt(stored.shared_secret), "s1");
    assert.equal(box.decrypt(stored.hmac_secret), "h1");
    assert.deepEqual(stored.allowed_methods, ["POST"]);

    // A PUT is a full replacement: without the secrets, they are gone.
    const cleared = await api.request("PUT", path, { body: {} });
    assert.deepEqual(cleared.body, DEFAULTS);
    const masked = await api.request("PUT", path, { body: { secret_header: "x-token", shared_secret: "********" } });
    assert.equal(masked.status, 422);
    assert.deepEqual(masked.body.detail[0].loc, ["body", "shared_secret"]);
  });

  it("answers 422 for unknown fields, bad values and half-configured pairs", async () => {
    const cases: [unknown, string][] = [
      [{ unknown: true }, "body"],
      [{ rate_limit: { limit: 1, burst: 2 } }, "rate_limit"],
      [{ allowed_methods: [] }, "allowed_methods"],
      [{ hmac_algorithm: "md5" }, "hmac_algorithm"],
      [{ hmac_tolerance_seconds: -1 }, "hmac_tolerance_seconds"],
      [{ rate_limit: { limit: 0 } }, "rate_limit"],
      [{ max_body_bytes: 0 }, "max_body_bytes"],
      [{ secret_header: "x-token" }, "shared_secret"],
      [{ shared_secret: "s" }, "secret_header"],
      [{ hmac_header: "x-sig" }, "hmac_secret"],
      [{ hmac_secret: "h" }, "hmac_header"],
      [{ debounce: { key: "input.(", seconds: 5 } }, "debounce"],
      [{ debounce: { key: "input.body.order_id", seconds: 0 } }, "debounce"],
      [{ debounce: { key: "input.body.order_id", seconds: 3601 } }, "debounce"],
    ];
    for (const [body, field] of cases) {
      const res = await api.request("PUT", path, { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(res.body.detail));
      assert.equal(res.body.detail[0].loc[0], "body");
      if (field !== "body") assert.equal(res.body.detail[0].loc[1], field, JSON.stringify(body));
    }
  });
});
