import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { startTestApi, type TestApi } from "../../../apps/api/src/testing/start-api";
import {
  ConflictError,
  ConnectionError,
  createClient,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  RequestTimeoutError,
  SwitchyardError,
  UnauthorizedError,
  ValidationError,
  WaitTimeoutError,
  type SwitchyardClient,
} from "./index";
import { SET_GRAPH } from "./testing/test-workflows";

/** Every failure is a typed error with the API's status and detail. No worker: runs stay pending. */
describe("client errors", () => {
  let api: TestApi;
  let admin: SwitchyardClient;
  let keys: Record<"admin" | "read" | "burner", string>;

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required", MANAGEMENT_RATE_LIMIT_PER_MINUTE: "40" });
    const key = async (name: string, scope: "admin" | "read") =>
      (await createApiKey(api.deps.db, { name, scopes: [scope], createdBy: "test" })).key;
    keys = { admin: await key("admin", "admin"), read: await key("read", "read"), burner: await key("burner", "read") };
    admin = createClient({ url: api.url, token: keys.admin });
    await admin.workflows.create({ name: "errors", handle: "errors" });
    await admin.workflows.versions.create("errors", { graph: SET_GRAPH });
  });
  after(async () => {
    await api.close();
  });

  const rejects = async (
    call: Promise<unknown>,
    type: abstract new (...args: never[]) => SwitchyardError,
    status: number,
  ) => {
    const err = await call.then(
      () => assert.fail("resolved"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof type, `${String(err)} is not a ${type.name}`);
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.status, status);
    return err;
  };

  it("answers 401 without a key or with a wrong one", async () => {
    const err = await rejects(createClient({ url: api.url }).workflows.list(), UnauthorizedError, 401);
    assert.equal(err.code, "unauthorized");
    assert.equal(err.detail, "Not authenticated");
    assert.equal(err.message, "GET /api/workflows: 401 Not authenticated");
    await rejects(createClient({ url: api.url, token: "sy_wrong" }).workflows.list(), UnauthorizedError, 401);
  });

  it("answers 403 naming the scope a read key lacks", async () => {
    const reader = createClient({ url: api.url, token: keys.read });
    const err = await rejects(reader.runs.trigger("errors", {}), ForbiddenError, 403);
    assert.match(String(err.detail), /trigger scope/);
    assert.equal(err.code, "forbidden");
  });

  it("answers 404, 409 and 422 with the API's detail", async () => {
    const missing = await rejects(admin.workflows.get("nope"), NotFoundError, 404);
    assert.equal(missing.detail, "Workflow not found");
    await rejects(admin.runs.get("00000000-0000-4000-8000-000000000000"), NotFoundError, 404);

    const run = await admin.runs.trigger("errors", { n: 1 });
    await admin.runs.cancel(run.id);
    const conflict = await rejects(admin.runs.cancel(run.id), ConflictError, 409);
    assert.equal(conflict.code, "conflict");

    const invalid = await rejects(admin.workflows.create({ name: "" }), ValidationError, 422);
    assert.ok(invalid instanceof ValidationError);
    assert.deepEqual(invalid.issues[0]?.loc, ["body", "name"]);
    const cursor = await rejects(admin.runs.page({}, { cursor: "garbage" }), ValidationError, 422);
    assert.ok(cursor instanceof ValidationError);
    assert.equal(cursor.issues[0]?.msg, "Invalid cursor");
  });

  it("answers 404 before any event for an unknown run's stream, and 401 without a key", async () => {
    const stream = admin.runs.events("00000000-0000-4000-8000-000000000000");
    await rejects(stream.next(), NotFoundError, 404);
    await rejects(createClient({ url: api.url }).runs.events("x").next(), UnauthorizedError, 401);
  });

  it("rejects a wait that outlasts its timeout with WaitTimeoutError naming the run", async () => {
    const run = await admin.runs.trigger("errors", { n: 2 });
    const err = await rejects(admin.runs.wait(run.id, { timeoutMs: 300 }), WaitTimeoutError, 0);
    assert.ok(err instanceof WaitTimeoutError);
    assert.equal(err.runId, run.id);
    assert.equal(err.code, "timeout");
    const waited = admin.runs.trigger("errors", { n: 3 }, { wait: 300 });
    await rejects(waited, WaitTimeoutError, 0);
  });

  it("answers 429 with Retry-After past the key's rate limit", async () => {
    const burner = createClient({ url: api.url, token: keys.burner });
    let err: unknown;
    for (let i = 0; i < 50 && err === undefined; i++) await burner.workflows.list().catch((e: unknown) => (err = e));
    assert.ok(err instanceof RateLimitedError, String(err));
    assert.equal(err.status, 429);
    assert.ok((err.retryAfterSeconds ?? 0) > 0);
  });
});

describe("client failures before an answer", () => {
  let silent: Server;
  let url: string;
  before(async () => {
    silent = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  after(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("rejects with RequestTimeoutError past timeoutMs, per client and per call", async () => {
    const err = await createClient({ url, timeoutMs: 100 })
      .workflows.list()
      .catch((e: unknown) => e);
    assert.ok(err instanceof RequestTimeoutError);
    assert.equal(err.code, "timeout");
    const perCall = await createClient({ url })
      .runs.get("r", { timeoutMs: 100 })
      .catch((e: unknown) => e);
    assert.ok(perCall instanceof RequestTimeoutError);
  });

  it("rejects with the caller's reason when its signal aborts", async () => {
    const abort = new AbortController();
    const call = createClient({ url }).workflows.list({}, { signal: abort.signal });
    abort.abort(new Error("changed my mind"));
    await assert.rejects(call, /changed my mind/);
  });

  it("rejects with ConnectionError when nothing listens", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const err = await createClient({ url: `http://127.0.0.1:${closed}` })
      .workflows.list()
      .catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, "connection");
    assert.match(err.message, /ECONNREFUSED/);
  });
});
