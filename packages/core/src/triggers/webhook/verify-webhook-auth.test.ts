import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { DEFAULT_WEBHOOK_CONFIG, type WebhookConfig } from "./webhook-config";
import {
  parseSignatureHeader,
  parseSignatureTimestamp,
  verifyHmacSignature,
  verifySharedSecret,
  verifyWebhookAuth,
  type WebhookAuthInput,
} from "./verify-webhook-auth";

const SECRET = "whsec_test";
const NOW = new Date("2025-06-01T12:00:00Z");
const NOW_S = NOW.getTime() / 1000;
const BODY = Buffer.from('{"z":1,"a":"é"}');

const hex = (message: string | Buffer, algorithm = "sha256", secret = SECRET) =>
  createHmac(algorithm, secret).update(message).digest("hex");

function input(
  headers: Record<string, string>,
  config: Partial<WebhookConfig> = {},
  rawBody = BODY,
  now = NOW,
): WebhookAuthInput {
  return {
    rawBody,
    headers,
    now,
    config: { ...DEFAULT_WEBHOOK_CONFIG, hmac_header: "x-signature", hmac_secret: SECRET, ...config },
  };
}

describe("verifyHmacSignature", () => {
  it("accepts a bare hex digest of the raw body and returns it for the replay check", () => {
    const sig = hex(BODY);
    assert.deepEqual(verifyHmacSignature(input({ "x-signature": sig })), { ok: true, signature: sig });
    assert.deepEqual(verifyHmacSignature(input({ "x-signature": sig.toUpperCase() })), { ok: true, signature: sig });
  });

  it("accepts GitHub's sha256=<hex> header", () => {
    const result = verifyHmacSignature(
      input({ "x-hub-signature-256": `sha256=${hex(BODY)}` }, { hmac_header: "x-hub-signature-256" }),
    );
    assert.equal(result.ok, true);
  });

  it("accepts sha1 and sha512 when configured", () => {
    for (const algorithm of ["sha1", "sha512"] as const) {
      const result = verifyHmacSignature(
        input({ "x-signature": `${algorithm}=${hex(BODY, algorithm)}` }, { hmac_algorithm: algorithm }),
      );
      assert.equal(result.ok, true, algorithm);
    }
  });

  it("accepts Stripe's t=<ts>,v1=<hex> header, with any of several v1 parts matching", () => {
    const t = String(NOW_S - 10);
    const header = `t=${t},v1=${hex("bogus")},v1=${hex(`${t}.${BODY.toString()}`)}`;
    assert.equal(
      verifyHmacSignature(input({ "stripe-signature": header }, { hmac_header: "stripe-signature" })).ok,
      true,
    );
  });

  it("accepts Slack's v0=<hex> over v0:<ts>:<body> with the configured timestamp header", () => {
    const ts = String(NOW_S);
    const headers = {
      "x-slack-signature": `v0=${hex(`v0:${ts}:${BODY.toString()}`)}`,
      "x-slack-request-timestamp": ts,
    };
    const config = { hmac_header: "x-slack-signature", hmac_timestamp_header: "x-slack-request-timestamp" };
    assert.equal(verifyHmacSignature(input(headers, config)).ok, true);
    // Without a timestamp a v0 signature cannot be checked.
    assert.deepEqual(
      verifyHmacSignature(
        input({ "x-slack-signature": headers["x-slack-signature"] }, { hmac_header: "x-slack-signature" }),
      ),
      {
        ok: false,
        reason: "malformed_signature",
      },
    );
  });

  it("signs <ts>.<body> with a timestamp header in unix seconds or ISO-8601", () => {
    const config = { hmac_timestamp_header: "x-timestamp" };
    const ts = String(NOW_S - 5);
    assert.equal(
      verifyHmacSignature(input({ "x-signature": hex(`${ts}.${BODY.toString()}`), "x-timestamp": ts }, config)).ok,
      true,
    );
    const iso = "2025-06-01T11:59:55Z";
    // Orcheo renders the ISO timestamp as whole unix seconds; the value as sent is accepted too.
    assert.equal(
      verifyHmacSignature(input({ "x-signature": hex(`${ts}.${BODY.toString()}`), "x-timestamp": iso }, config)).ok,
      true,
    );
    assert.equal(
      verifyHmacSignature(input({ "x-signature": hex(`${iso}.${BODY.toString()}`), "x-timestamp": iso }, config)).ok,
      true,
    );
    // The body alone is not what is signed once a timestamp is in play.
    assert.deepEqual(verifyHmacSignature(input({ "x-signature": hex(BODY), "x-timestamp": ts }, config)), {
      ok: false,
      reason: "signature_mismatch",
    });
  });

  it("prefers the configured timestamp header over a t= part", () => {
    const config = { hmac_timestamp_header: "x-timestamp" };
    const ts = String(NOW_S);
    const header = `t=${NOW_S - 1},v1=${hex(`${ts}.${BODY.toString()}`)}`;
    assert.equal(verifyHmacSignature(input({ "x-signature": header, "x-timestamp": ts }, config)).ok, true);
  });

  it("rejects stale and future timestamps beyond the tolerance, and checks none when it is 0", () => {
    const sign = (t: number) => ({ "x-signature": `t=${t},v1=${hex(`${t}.${BODY.toString()}`)}` });
    assert.deepEqual(verifyHmacSignature(input(sign(NOW_S - 301))), { ok: false, reason: "stale_timestamp" });
    assert.deepEqual(verifyHmacSignature(input(sign(NOW_S + 301))), { ok: false, reason: "future_timestamp" });
    assert.equal(verifyHmacSignature(input(sign(NOW_S - 300))).ok, true);
    assert.equal(verifyHmacSignature(input(sign(NOW_S - 86_400), { hmac_tolerance_seconds: 0 })).ok, true);
  });

  it("accepts Orcheo's sorted-key body in its ascii and utf8 forms", () => {
    assert.equal(verifyHmacSignature(input({ "x-signature": hex('{"a":"\\u00e9","z":1}') })).ok, true);
    assert.equal(verifyHmacSignature(input({ "x-signature": hex('{"a":"é","z":1}') })).ok, true);
  });

  it("rejects a wrong secret, a missing header, a missing timestamp and garbage", () => {
    assert.deepEqual(verifyHmacSignature(input({ "x-signature": hex(BODY, "sha256", "other") })), {
      ok: false,
      reason: "signature_mismatch",
    });
    assert.deepEqual(verifyHmacSignature(input({})), { ok: false, reason: "missing_signature" });
    assert.deepEqual(verifyHmacSignature(input({ "x-signature": hex(BODY) }, { hmac_timestamp_header: "x-ts" })), {
      ok: false,
      reason: "missing_timestamp",
    });
    assert.deepEqual(
      verifyHmacSignature(input({ "x-signature": hex(BODY), "x-ts": "yesterday" }, { hmac_timestamp_header: "x-ts" })),
      {
        ok: false,
        reason: "invalid_timestamp",
      },
    );
    assert.deepEqual(verifyHmacSignature(input({ "x-signature": "sha256=zz" })), {
      ok: false,
      reason: "malformed_signature",
    });
  });

  it("passes when no HMAC is configured", () => {
    assert.deepEqual(verifyHmacSignature(input({}, { hmac_header: null, hmac_secret: null })), {
      ok: true,
      signature: null,
    });
  });
});

describe("verifySharedSecret", () => {
  const config = { hmac_header: null, hmac_secret: null, secret_header: "x-token", shared_secret: "s3cret" };
  it("accepts the exact secret and rejects a missing or different one", () => {
    assert.deepEqual(verifySharedSecret(input({ "x-token": "s3cret" }, config)), { ok: true, signature: null });
    assert.deepEqual(verifySharedSecret(input({ "x-token": "s3cre" }, config)), {
      ok: false,
      reason: "secret_mismatch",
    });
    assert.deepEqual(verifySharedSecret(input({}, config)), { ok: false, reason: "missing_secret" });
  });

  it("is required alongside a valid HMAC when both are configured", () => {
    const both = { ...config, hmac_header: "x-signature", hmac_secret: SECRET };
    assert.deepEqual(verifyWebhookAuth(input({ "x-signature": hex(BODY) }, both)), {
      ok: false,
      reason: "missing_secret",
    });
    assert.equal(verifyWebhookAuth(input({ "x-signature": hex(BODY), "x-token": "s3cret" }, both)).ok, true);
  });
});

describe("parseSignatureHeader", () => {
  it("splits key=value parts and falls back to a bare value", () => {
    assert.deepEqual(parseSignatureHeader("t=1, v1=aa ,v1=bb,v0=cc,x=dd"), {
      plain: ["aa", "bb"],
      slack: ["cc"],
      timestamp: "1",
    });
    assert.deepEqual(parseSignatureHeader(" abcd "), { plain: ["abcd"], slack: [], timestamp: null });
  });
});

describe("parseSignatureTimestamp", () => {
  it("reads unix seconds and ISO-8601, naive ISO as UTC", () => {
    assert.equal(parseSignatureTimestamp("1748779200"), 1_748_779_200_000);
    assert.equal(parseSignatureTimestamp("2025-06-01T12:00:00Z"), NOW.getTime());
    assert.equal(parseSignatureTimestamp("2025-06-01T14:00:00+02:00"), NOW.getTime());
    assert.equal(parseSignatureTimestamp("2025-06-01T12:00:00"), NOW.getTime());
    assert.equal(parseSignatureTimestamp("soon"), null);
    assert.equal(parseSignatureTimestamp("-5"), null);
  });
});
