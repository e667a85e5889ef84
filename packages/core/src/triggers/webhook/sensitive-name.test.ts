import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isSensitiveName } from "./sensitive-name";

describe("isSensitiveName", () => {
  it("matches header and query names that carry a key, token, secret, password, auth value, session or signature", () => {
    const sensitive = [
      "authorization",
      "proxy-authorization",
      "cookie",
      "set-cookie",
      "x-api-key",
      "api-key",
      "x-password",
      "x-session-id",
      "x-auth",
      "x-auth-token",
      "x-webhook-secret",
      "x-hub-signature-256",
      "stripe-signature",
      "x-gitlab-token",
      "x-shopify-hmac-sha256",
      "x-goog-api-key",
      "ocp-apim-subscription-key",
      "x-csrf-token",
      "token",
      "secret",
      "api_key",
      "apikey",
      "apiKey",
      "access_token",
      "accessToken",
      "refresh_token",
      "client_secret",
      "password",
      "passwd",
      "pass",
      "pwd",
      "auth",
      "oauth",
      "session_id",
      "sessionId",
      "session",
      "JSESSIONID",
      "key",
      "sig",
      "credentials",
      "jwt",
    ];
    assert.deepEqual(
      sensitive.filter((n) => !isSensitiveName(n)),
      [],
    );
  });

  it("keeps ordinary names, including words that merely contain key, auth, pass or session", () => {
    const ordinary = [
      "content-type",
      "user-agent",
      "x-github-event",
      "x-github-delivery",
      "x-forwarded-for",
      "x-request-id",
      "accept-encoding",
      "keep-alive",
      "idempotency-key",
      "x-idempotency-key",
      "page",
      "keyword",
      "monkey",
      "author",
      "passenger",
      "possession",
      "username",
      "email",
      "q",
    ];
    assert.deepEqual(
      ordinary.filter((n) => isSensitiveName(n)),
      [],
    );
  });
});
