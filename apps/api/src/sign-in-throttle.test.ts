import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { createApp } from "./app";
import { createApiServer } from "./create-api-server";
import { startTestApi, type TestApi } from "./testing/start-api";

const ADMIN_PASSWORD = "correct horse battery staple";
const PER_IP = 3;
const PER_NAME = 4;

type Answer = { status: number; retryAfter: string | undefined; body: string };

/** A GET from a chosen loopback source address (127.0.0.0/8 is all this host's), as another client would send it. */
function getFrom(url: string, from: string, path: string, authorization?: string): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        localAddress: from,
        headers: authorization === undefined ? {} : { authorization },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => {
          const retryAfter = res.headers["retry-after"];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
            body,
          });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const bearer = (token: string) => `Bearer ${token}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("sign-in throttle", () => {
  let api: TestApi;
  let other: { url: string; server: Server };
  let key = "";
  before(async () => {
    api = await startTestApi({
      AUTH_MODE: "required",
      ADMIN_USERNAME: "admin",
      ADMIN_PASSWORD,
      AUTH_FAILURES_PER_IP: String(PER_IP),
      AUTH_FAILURES_PER_USERNAME: String(PER_NAME),
      AUTH_FAILURE_WINDOW_SECONDS: "600",
      METRICS_TOKEN: "metrics-scrape-token",
    });
    key = (await createApiKey(api.deps.db, { name: "ops", scopes: ["admin"], createdBy: "test" })).key;
    // A second API process over the same Postgres and Redis: its own memory, the shared counts.
    const server = createApiServer(createApp(api.deps), api.deps.config, api.deps.logger);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    other = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  });
  after(async () => {
    other.server.closeAllConnections();
    await new Promise<void>((resolve) => other.server.close(() => resolve()));
    await api.close();
  });

  const assertLockedOut = (answer: Answer, what: string) => {
    assert.equal(answer.status, 429, `${what}: ${answer.body}`);
    const seconds = Number(answer.retryAfter);
    assert.ok(seconds >= 1 && seconds <= 600, `${what}: Retry-After ${answer.retryAfter}`);
  };

  it("locks an address out of the API after a burst of bad keys, shared by every API process", async () => {
    const from = "127.0.0.2";
    const wrong = bearer("sy_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    for (let n = 1; n <= PER_IP; n++) assert.equal((await getFrom(api.url, from, "/api/workflows", wrong)).status, 401);
    const locked = await getFrom(api.url, from, "/api/workflows", wrong);
    assertLockedOut(locked, "past the limit");
    assert.match(
      JSON.parse(locked.body).detail as string,
      /^Too many failed sign-ins from this address: retry in \d+ seconds$/,
    );
    // Locked out whatever it sends now, a good key included: a guess that hits is not told apart.
    assertLockedOut(await getFrom(api.url, from, "/api/workflows", bearer(key)), "a good key from there");
    // The other process has counted nothing itself, and refuses the address at its first failure.
    assertLockedOut(await getFrom(other.url, from, "/api/workflows", bearer("nope")), "another process");
    // A good key from another address still works, on both.
    for (const url of [api.url, other.url])
      assert.equal((await getFrom(url, "127.0.0.3", "/api/workflows", bearer(key))).status, 200);
  });

  it("does not count requests without credentials, nor good ones", async () => {
    const from = "127.0.0.4";
    for (let n = 0; n < PER_IP * 2; n++) assert.equal((await getFrom(api.url, from, "/api/workflows")).status, 401);
    for (let n = 0; n < PER_IP * 2; n++) {
      assert.equal((await getFrom(api.url, from, "/api/workflows", bearer(key))).status, 200);
    }
    const counter = `${api.deps.config.QUEUE_PREFIX}:ratelimit:authfail-ip:{${from}}`;
    assert.equal(await api.deps.redis.exists(counter), 0);
    // Its failures count from zero: the limit's worth of bad keys are all still answered 401.
    for (let n = 1; n <= PER_IP; n++) {
      assert.equal((await getFrom(api.url, from, "/api/workflows", bearer(`bad-${n}`))).status, 401);
    }
    assert.equal(await api.deps.redis.get(counter), String(PER_IP));
  });

  for (const [board, path] of [
    ["the dashboard", "/admin/"],
    ["Bull Board", "/admin/queues/"],
  ] as const) {
    it(`locks an address out of ${board} after a burst of bad passwords; the password works from elsewhere`, async () => {
      const from = board === "Bull Board" ? "127.0.0.5" : "127.0.0.6";
      const clean = board === "Bull Board" ? "127.0.0.7" : "127.0.0.8";
      for (let n = 1; n <= PER_IP; n++) {
        const refused = await getFrom(api.url, from, path, basic(`guess-${board}-${n}`, "wrong"));
        assert.equal(refused.status, 401, refused.body);
      }
      assertLockedOut(await getFrom(api.url, from, path, basic("someone", "wrong")), "past the limit");
      assertLockedOut(await getFrom(api.url, from, path, basic("admin", ADMIN_PASSWORD)), "the password from there");
      assert.equal((await getFrom(api.url, clean, path, basic("admin", ADMIN_PASSWORD))).status, 200);
    });
  }

  it("counts a wrong metrics token as a failed sign-in", async () => {
    const from = "127.0.0.9";
    for (let n = 1; n <= PER_IP; n++) assert.equal((await getFrom(api.url, from, "/metrics", bearer("x"))).status, 401);
    assertLockedOut(await getFrom(api.url, from, "/metrics", bearer("x")), "past the limit");
    assert.equal((await getFrom(api.url, "127.0.0.10", "/metrics", bearer("metrics-scrape-token"))).status, 200);
  });

  it("locks a user name out for addresses that failed, never for a clean one with the right password", async () => {
    // Guesses at one user name from several addresses, each below the per-address limit.
    const guessers = ["127.0.1.1", "127.0.1.2", "127.0.1.3"];
    const answers: number[] = [];
    for (const from of guessers) {
      for (let n = 0; n < 2; n++)
        answers.push((await getFrom(api.url, from, "/admin/", basic("ops-user", "wrong"))).status);
    }
    // PER_NAME failures are answered 401; the next locks the name, and from then on each address that failed is
    // refused, right password or not.
    assert.deepEqual(answers, [401, 401, 401, 401, 429, 429]);
    const detail = JSON.parse((await getFrom(api.url, guessers[0]!, "/admin/", basic("ops-user", "x"))).body).detail;
    assert.match(detail as string, /^Too many failed sign-ins for this user name from this address/);
    // The name's owner signs in from an address that has not failed: the attacker cannot lock them out.
    assert.equal((await getFrom(api.url, "127.0.1.9", "/admin/", basic("admin", ADMIN_PASSWORD))).status, 200);
    assert.equal((await getFrom(api.url, "127.0.1.9", "/admin/", basic("ops-user", key))).status, 200);
  });
});
