import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ValidationError } from "../../errors";
import {
  DEFAULT_WEBHOOK_CONFIG,
  parseWebhookConfig,
  parseStoredWebhookConfig,
  SECRET_MASK,
  toWebhookConfigJson,
} from "./webhook-config";

function rejects(body: unknown, field: string, stored = null as Parameters<typeof parseWebhookConfig>[1]) {
  assert.throws(
    () => parseWebhookConfig(body, stored),
    (err: unknown) => err instanceof ValidationError && JSON.stringify(err.detail).includes(`"${field}"`),
    field,
  );
}

describe("parseWebhookConfig", () => {
  it("fills every default from an empty body", () => {
    assert.deepEqual(parseWebhookConfig({}, null), DEFAULT_WEBHOOK_CONFIG);
  });

  it("upper-cases, de-duplicates and sorts methods and lower-cases header names", () => {
    const config = parseWebhookConfig(
      {
        allowed_methods: ["post", "GET", "Post"],
        required_headers: { "X-Custom": "Yes" },
        secret_header: "X-Token",
        shared_secret: "s",
        hmac_header: "X-Hub-Signature-256",
        hmac_secret: "h",
        hmac_algorithm: "SHA512",
        hmac_timestamp_header: "X-Ts",
        idempotency_header: "X-GitHub-Delivery",
        rate_limit: {},
      },
      null,
    );
    assert.deepEqual(config.allowed_methods, ["GET", "POST"]);
    assert.deepEqual(config.required_headers, { "x-custom": "Yes" });
    assert.equal(config.secret_header, "x-token");
    assert.equal(config.hmac_header, "x-hub-signature-256");
    assert.equal(config.hmac_algorithm, "sha512");
    assert.equal(config.hmac_timestamp_header, "x-ts");
    assert.equal(config.idempotency_header, "x-github-delivery");
    assert.deepEqual(config.rate_limit, { limit: 60, interval_seconds: 60 });
  });

  it("rejects unknown fields, empty methods, bad algorithms and out-of-range numbers", () => {
    rejects({ nope: 1 }, "body");
    rejects({ rate_limit: { limit: 1, extra: 2 } }, "rate_limit");
    rejects({ allowed_methods: [] }, "allowed_methods");
    rejects({ hmac_algorithm: "md5" }, "hmac_algorithm");
    rejects({ hmac_tolerance_seconds: -1 }, "hmac_tolerance_seconds");
    rejects({ rate_limit: { limit: 0 } }, "rate_limit");
    rejects({ rate_limit: { interval_seconds: 0 } }, "rate_limit");
    rejects({ max_body_bytes: 0 }, "max_body_bytes");
    rejects({ secret_header: "bad header" }, "secret_header");
  });

  it("requires each header and secret pair together", () => {
    rejects({ secret_header: "x-token" }, "shared_secret");
    rejects({ shared_secret: "s" }, "secret_header");
    rejects({ hmac_header: "x-sig" }, "hmac_secret");
    rejects({ hmac_secret: "h" }, "hmac_header");
  });

  it("keeps a stored secret sent back masked, and rejects the mask when none is stored", () => {
    const stored = parseWebhookConfig(
      { secret_header: "x-token", shared_secret: "s1", hmac_header: "x-sig", hmac_secret: "h1" },
      null,
    );
    const next = parseWebhookConfig(
      { secret_header: "x-token", shared_secret: SECRET_MASK, hmac_header: "x-sig", hmac_secret: "h2" },
      stored,
    );
    assert.equal(next.shared_secret, "s1");
    assert.equal(next.hmac_secret, "h2");
    rejects({ secret_header: "x-token", shared_secret: SECRET_MASK }, "shared_secret");
  });
});

describe("toWebhookConfigJson", () => {
  it("masks the secrets that are set", () => {
    const config = parseWebhookConfig({ hmac_header: "x-sig", hmac_secret: "h" }, null);
    const json = toWebhookConfigJson(config);
    assert.equal(json.hmac_secret, SECRET_MASK);
    assert.equal(json.shared_secret, null);
  });
});

describe("parseStoredWebhookConfig", () => {
  it("fills fields missing from an older stored config with defaults", () => {
    assert.deepEqual(parseStoredWebhookConfig({ allowed_methods: ["POST"] }), {
      ...DEFAULT_WEBHOOK_CONFIG,
      allowed_methods: ["POST"],
    });
    assert.deepEqual(parseStoredWebhookConfig(null), DEFAULT_WEBHOOK_CONFIG);
  });
});
