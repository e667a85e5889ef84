import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createWebhookInput,
  firstQueryValues,
  parseWebhookBody,
  toStoredHeaders,
  toStoredQuery,
  toWebhookPayload,
} from "./webhook-input";

const payload = (body: string | Buffer, preserve = false) =>
  toWebhookPayload(parseWebhookBody(Buffer.isBuffer(body) ? body : Buffer.from(body)), preserve);

describe("toWebhookPayload", () => {
  it("is {} for an empty body, the value for JSON and {raw} otherwise", () => {
    assert.deepEqual(payload(""), {});
    assert.deepEqual(payload('{"a":1}'), { a: 1 });
    assert.deepEqual(payload("[1,2]"), [1, 2]);
    assert.deepEqual(payload("a=1&b=2"), { raw: "a=1&b=2" });
    assert.deepEqual(payload(Buffer.from([0x61, 0xff, 0x62])), { raw: "a\uFFFDb" });
  });

  it("keeps the raw text, and the parsed JSON when there is one, with preserve_raw_body", () => {
    assert.deepEqual(payload('{"a": 1}', true), { raw: '{"a": 1}', parsed: { a: 1 } });
    assert.deepEqual(payload("<xml/>", true), { raw: "<xml/>" });
  });
});

describe("toStoredHeaders", () => {
  it("drops credentials and the configured secret and signature headers", () => {
    const headers = toStoredHeaders(
      {
        "content-type": "application/json",
        authorization: "Bearer x",
        "proxy-authorization": "x",
        cookie: "a=b",
        "set-cookie": ["a=b"],
        "x-api-token": "t",
        "x-webhook-secret": "s",
        "x-hub-signature-256": "sha256=…",
        "x-api-key": "k",
        "api-key": "k",
        "x-password": "p",
        "x-session-id": "s",
        "x-auth": "a",
        "x-custom-check": "c",
        "x-sender": "s",
        "x-github-delivery": "d1",
        "user-agent": "GitHub-Hookshot/1",
      },
      { secret_header: "x-custom-check", hmac_header: "x-sender" },
    );
    assert.deepEqual(headers, {
      "content-type": "application/json",
      "x-github-delivery": "d1",
      "user-agent": "GitHub-Hookshot/1",
    });
  });
});

describe("toStoredQuery", () => {
  it("drops parameters named like a credential and keeps ordinary ones", () => {
    const query = toStoredQuery({
      token: "t",
      secret: "s",
      api_key: "k",
      apikey: "k",
      access_token: "a",
      password: "p",
      passwd: "p",
      auth: "a",
      session_id: "s",
      sig: "s",
      page: "2",
      keyword: "x",
      monkey: "banana",
      sort: "asc",
    });
    assert.deepEqual(query, { page: "2", keyword: "x", monkey: "banana", sort: "asc" });
  });
});

describe("firstQueryValues", () => {
  it("keeps the first value of each key", () => {
    assert.deepEqual(firstQueryValues({ a: ["1", "2"], b: "x" }), { a: "1", b: "x" });
  });
});

describe("createWebhookInput", () => {
  it("builds body, headers, query_params without preserve_raw_body, and source_ip", () => {
    const input = createWebhookInput({
      body: parseWebhookBody(Buffer.from('{"a":1}')),
      headers: { "x-a": "1" },
      query: { env: "prod", preserve_raw_body: "true" },
      sourceIp: "127.0.0.1",
      config: { secret_header: null, hmac_header: null },
    });
    assert.deepEqual(input, {
      body: { raw: '{"a":1}', parsed: { a: 1 } },
      headers: { "x-a": "1" },
      query_params: { env: "prod" },
      source_ip: "127.0.0.1",
    });
  });

  it("replaces NUL characters, which Postgres jsonb cannot store", () => {
    const input = createWebhookInput({
      body: parseWebhookBody(Buffer.from('{"a\\u0000":"b\\u0000"}')),
      headers: {},
      query: { q: "x\0" },
      sourceIp: null,
      config: { secret_header: null, hmac_header: null },
    });
    assert.deepEqual(input.body, { "a\uFFFD": "b\uFFFD" });
    assert.deepEqual(input.query_params, { q: "x\uFFFD" });
  });
});
