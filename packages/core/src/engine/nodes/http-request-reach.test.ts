import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../config";
import type { ResolveHost } from "../http/create-guarded-agent";
import { httpRequestOptionsOf, type HttpRequestOptions } from "../http/http-request-options";
import { startTestServer, type TestServer } from "../testing/start-test-server";
import { createTestNodeContext } from "../testing/test-node-context";
import { createHttpRequestNode } from "./http-request-node";

const ctx = createTestNodeContext("h");
type Answer = { status: number; headers: Record<string, string>; body: any };

const nodeWith = (options: Partial<HttpRequestOptions> = {}) => {
  const node = createHttpRequestNode({ ...httpRequestOptionsOf(parseConfig({})), ...options });
  return (params: Record<string, unknown>) =>
    node.run(node.params.parse(params), ctx, new AbortController().signal) as Promise<Answer>;
};

/** Names this test resolves itself, each to the addresses listed (in turn, one list per lookup, the last kept). */
const resolverOf = (answers: Record<string, string[][]>): ResolveHost => {
  const asked = new Map<string, number>();
  return async (hostname) => {
    const lists = answers[hostname];
    if (lists === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    const n = asked.get(hostname) ?? 0;
    asked.set(hostname, n + 1);
    return (lists[Math.min(n, lists.length - 1)] ?? []).map((address) => ({
      address,
      family: address.includes(":") ? 6 : 4,
    }));
  };
};

const BY_DEFAULT = /\(refused by default; HTTP_REQUEST_ALLOW_HOSTS can allow it\)$/;
const BY_DENY_PRIVATE = /\(refused because HTTP_REQUEST_DENY_PRIVATE=true; HTTP_REQUEST_ALLOW_HOSTS can allow it\)$/;

describe("http.request reach", () => {
  let a: TestServer;
  let b: TestServer;
  let port: string;
  before(async () => {
    [a, b] = await Promise.all([startTestServer(), startTestServer()]);
    port = new URL(a.url).port;
    const echo = (req: { method: string; headers: Record<string, unknown>; body: string }) => ({
      body: {
        method: req.method,
        body: req.body,
        type: req.headers["content-type"] ?? null,
        authorization: req.headers.authorization ?? null,
        cookie: req.headers.cookie ?? null,
      },
    });
    a.route("/echo", echo);
    b.route("/echo", echo);
    a.route("/ok", () => ({ body: { ok: true }, headers: { connection: "close" } }));
    for (let n = 1; n <= 6; n++)
      a.route(`/chain/${n}`, () => ({ status: 302, headers: { location: `/chain/${n - 1}` } }));
    a.route("/chain/0", () => ({ body: "end of chain" }));
    a.route("/to-metadata", () => ({ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }));
    a.route("/to-mapped", () => ({
      status: 307,
      headers: { location: "http://[::ffff:a9fe:a9fe]/computeMetadata/v1/" },
    }));
    a.route("/to-b", () => ({ status: 307, headers: { location: `${b.url}/echo` } }));
    a.route("/to-self", () => ({ status: 302, headers: { location: "/echo" } }));
    a.route("/see-other", () => ({ status: 303, headers: { location: "/echo" } }));
    a.route("/temporary", () => ({ status: 307, headers: { location: "/echo" } }));
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it("refuses cloud metadata and link-local addresses in every spelling a URL accepts", async () => {
    const call = nodeWith();
    const urls = [
      "http://169.254.169.254/latest/meta-data/",
      "http://0xa9fea9fe/",
      "http://2852039166/",
      "http://0251.0376.0251.0376/",
      "http://169.254.43518/",
      "http://169.254.169.254./",
      "http://[::ffff:169.254.169.254]/",
      "http://[0:0:0:0:0:ffff:a9fe:a9fe]/",
      "http://[::a9fe:a9fe]/",
      "http://[64:ff9b::169.254.169.254]/",
      "http://[2002:a9fe:a9fe::1]/",
      "http://[fd00:ec2::254]/",
      "http://[fd20:ce::254]/",
      "http://100.100.100.200/",
      "http://169.254.1.1/",
      "http://[fe80::1]/",
    ];
    for (const url of urls) {
      await assert.rejects(
        call({ url, timeout_seconds: 5 }),
        (err: Error) =>
          /^request refused: \S+ is a (cloud metadata|link-local) address /.test(err.message) &&
          BY_DEFAULT.test(err.message),
        url,
      );
    }
  });

  it("refuses a host name whose DNS answer holds a metadata address, checking the address it connects to", async () => {
    const call = nodeWith({
      resolveHost: resolverOf({
        "metadata.test": [["169.254.169.254"]],
        "mixed.test": [["127.0.0.1", "fd00:ec2::254"]],
      }),
    });
    await assert.rejects(call({ url: "http://metadata.test/", timeout_seconds: 5 }), {
      message:
        "request refused: metadata.test (169.254.169.254) is a cloud metadata address (refused by default; HTTP_REQUEST_ALLOW_HOSTS can allow it)",
    });
    // TLS connections resolve through the same lookup.
    await assert.rejects(call({ url: "https://metadata.test/", timeout_seconds: 5 }), {
      message: /^request refused: metadata\.test \(169\.254\.169\.254\) is a cloud metadata address/,
    });
    await assert.rejects(call({ url: `http://mixed.test:${port}/ok`, timeout_seconds: 5 }), {
      message: /^request refused: mixed\.test \(fd00:ec2::254\) is a cloud metadata address/,
    });
  });

  it("checks each new connection's own DNS answer, so a name that rebinds to a metadata address is refused", async () => {
    const call = nodeWith({ resolveHost: resolverOf({ "rebind.test": [["127.0.0.1"], ["169.254.169.254"]] }) });
    // The first answer is allowed; the server closes that connection, so the next call resolves again.
    assert.deepEqual((await call({ url: `http://rebind.test:${port}/ok` })).body, { ok: true });
    await assert.rejects(call({ url: `http://rebind.test:${port}/ok`, timeout_seconds: 5 }), {
      message: /^request refused: rebind\.test \(169\.254\.169\.254\) is a cloud metadata address/,
    });
  });

  it("checks every redirect hop: a redirect from an allowed server to a metadata address is refused", async () => {
    const call = nodeWith();
    await assert.rejects(call({ url: `${a.url}/to-metadata`, timeout_seconds: 5 }), {
      message: /^request refused: 169\.254\.169\.254 is a cloud metadata address/,
    });
    await assert.rejects(call({ url: `${a.url}/to-mapped`, timeout_seconds: 5 }), {
      message: /^request refused: ::ffff:a9fe:a9fe is a cloud metadata address/,
    });
  });

  it("allows loopback and private addresses by default and refuses them with HTTP_REQUEST_DENY_PRIVATE", async () => {
    assert.deepEqual((await nodeWith()({ url: `http://localhost:${port}/ok` })).body, { ok: true });
    const call = nodeWith({ denyPrivate: true });
    await assert.rejects(call({ url: `${a.url}/ok` }), {
      message: `request refused: 127.0.0.1 is a loopback address (refused because HTTP_REQUEST_DENY_PRIVATE=true; HTTP_REQUEST_ALLOW_HOSTS can allow it)`,
    });
    // `localhost` goes through the system resolver: its answer is what is checked.
    await assert.rejects(call({ url: `http://localhost:${port}/ok` }), (err: Error) => {
      assert.match(err.message, /^request refused: localhost \((127\.0\.0\.1|::1)\) is a loopback address/);
      return BY_DENY_PRIVATE.test(err.message);
    });
    for (const [url, label] of [
      ["http://10.1.2.3/", "private"],
      ["http://192.168.0.1/", "private"],
      ["http://[fd12::1]/", "private"],
      ["http://100.64.0.1/", "shared \\(carrier-grade NAT\\)"],
      ["http://0.0.0.0/", "unspecified"],
      ["http://[::ffff:127.0.0.1]/", "loopback"],
    ] as const) {
      await assert.rejects(call({ url, timeout_seconds: 5 }), { message: new RegExp(`is an? ${label} address `) }, url);
    }
  });

  it("lets HTTP_REQUEST_ALLOW_HOSTS list a host name or a range as an exception", async () => {
    const byName = nodeWith({ denyPrivate: true, allowHosts: ["LocalHost"] });
    assert.deepEqual((await byName({ url: `http://localhost:${port}/ok` })).body, { ok: true });
    await assert.rejects(byName({ url: `${a.url}/ok` }), { message: /is a loopback address/ });
    const byRange = nodeWith({ denyPrivate: true, allowHosts: ["127.0.0.0/8"] });
    assert.deepEqual((await byRange({ url: `${a.url}/ok` })).body, { ok: true });
  });

  it("follows up to max_redirects redirects and fails past them; 0 answers with the redirect itself", async () => {
    const call = nodeWith();
    assert.equal((await call({ url: `${a.url}/chain/5` })).body, "end of chain");
    await assert.rejects(call({ url: `${a.url}/chain/6` }), {
      message: `too many redirects: more than max_redirects (5) from ${a.url}/chain/6`,
    });
    assert.equal((await call({ url: `${a.url}/chain/6`, max_redirects: 6 })).body, "end of chain");
    const first = await call({ url: `${a.url}/chain/1`, max_redirects: 0, expect_status: 302 });
    assert.equal(first.status, 302);
    assert.equal(first.headers.location, "/chain/0");
    await assert.rejects(call({ url: `${a.url}/chain/1`, max_redirects: 0 }), {
      message: `unexpected status 302 from GET ${a.url}/chain/1`,
    });
  });

  it("drops Authorization and Cookie on a redirect to another origin, and keeps them on the same origin", async () => {
    const call = nodeWith();
    const headers = { authorization: "Bearer secret", cookie: "session=1" };
    const across = await call({ url: `${a.url}/to-b`, headers });
    assert.deepEqual([across.body.authorization, across.body.cookie], [null, null]);
    assert.equal(b.requests.length, 1);
    const same = await call({ url: `${a.url}/to-self`, headers });
    assert.deepEqual([same.body.authorization, same.body.cookie], ["Bearer secret", "session=1"]);
  });

  it("continues a 303 (and a POST's 302) as a GET without the body; a 307 repeats the method and body", async () => {
    const call = nodeWith();
    const post = { method: "POST", body: { order: 7 } };
    assert.deepEqual((await call({ url: `${a.url}/see-other`, ...post })).body, {
      method: "GET",
      body: "",
      type: null,
      authorization: null,
      cookie: null,
    });
    assert.equal((await call({ url: `${a.url}/to-self`, ...post })).body.method, "GET");
    assert.deepEqual((await call({ url: `${a.url}/temporary`, ...post })).body, {
      method: "POST",
      body: '{"order":7}',
      type: "application/json",
      authorization: null,
      cookie: null,
    });
  });
});
