import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { eventually, startWorker, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
/** A send's whole bound of 1 s (10 s in production), so a claim lasts 2 × 1 + 5 = 7 s. */
const ENV = { SUBSCRIPTION_TIMEOUT_SECONDS: "1", SUBSCRIPTION_RETRY_SCALE: "0.001", SUBSCRIPTION_CONCURRENCY: "4" };

describe("outgoing event delivery against crashes and bad receivers", () => {
  let api: TestApi;
  let receiver: TestServer;
  const workers: ServiceProcess[] = [];
  const held = createGate();

  before(async () => {
    api = await startTestApi(ENV);
    receiver = await startTestServer();
    await api.request("POST", "/api/workflows", { body: { name: "crash", handle: "crash" } });
    const v = await api.request("POST", "/api/workflows/crash/versions", { body: { graph: GRAPH } });
    assert.equal(v.status, 201, v.text);
  });
  after(async () => {
    held.open();
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await receiver.close();
    await api.close();
  });
  const spawnWorker = async () => {
    const worker = await startWorker({ ...api.deps.env, ...ENV }, 60_000);
    workers.push(worker);
    return worker;
  };
  const subscribe = async (path: string) => {
    const res = await api.request("POST", "/api/subscriptions", {
      body: { url: `${receiver.url}${path}`, events: ["run.succeeded"], workflow: "crash" },
    });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; secret: string };
  };
  const deliveries = async (subscriptionId: string) =>
    (await api.request("GET", `/api/subscriptions/${subscriptionId}/deliveries`)).body as any[];

  it("loses no event when the worker is killed -9 between the run's outcome and the receiver's answer", async () => {
    // The first send is held unanswered (its worker dies waiting); the next one is answered.
    receiver.route("/crash", async (_req, n) => {
      if (n === 1) await held.promise;
      return { status: 200 };
    });
    const sub = await subscribe("/crash");
    const first = await spawnWorker();
    const run = await api.request("POST", "/api/workflows/crash/triggers/webhook", { body: {} });
    assert.equal(run.status, 202);
    await eventually(async () => (receiver.requests.some((r) => r.path === "/crash") ? true : undefined));
    const status = await api.request("GET", `/api/runs/${run.body.id}`);
    assert.equal(status.body.status, "succeeded");
    first.proc.kill("SIGKILL");
    await first.exited;
    const [inFlight] = await deliveries(sub.id);
    assert.equal(inFlight.status, "pending");

    await spawnWorker();
    const [delivered] = await eventually(
      async () => {
        const page = await deliveries(sub.id);
        return page[0]?.status === "delivered" ? page : undefined;
      },
      30_000,
      "the delivery after the crash",
    );
    // The crashed attempt is counted but has no outcome; the one after the claim expired succeeded.
    assert.equal(delivered.attempts, 2);
    assert.deepEqual(
      delivered.attempt_log.map((a: any) => [a.attempt, a.status]),
      [[2, "succeeded"]],
    );
    const sent = receiver.requests.filter((r) => r.path === "/crash");
    assert.equal(sent.length, 2);
    assert.equal(sent[0]!.headers["webhook-id"], sent[1]!.headers["webhook-id"]);
    const headers = Object.fromEntries(Object.entries(sent[1]!.headers).map(([k, v]) => [k, String(v)]));
    const event = new Webhook(sub.secret).verify(sent[1]!.body, headers) as { data: { id: string } };
    assert.equal(event.data.id, run.body.id);
    await api.request("DELETE", `/api/subscriptions/${sub.id}`);
  });

  it("bounds a receiver that never answers, one whose body never ends, and one that redirects", async () => {
    if (workers.every((w) => w.proc.exitCode !== null || w.proc.signalCode !== null)) await spawnWorker();
    // Never answers: each attempt ends at the 1 s bound.
    receiver.route("/silent", async () => {
      await held.promise;
      return { status: 200 };
    });
    // Answers 200 at once, then streams a body forever.
    let written = 0;
    const endless: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (res.write(chunk)) written += chunk.length;
        written += chunk.length;
      };
      res.on("drain", pump);
      res.on("error", () => undefined);
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, "127.0.0.1", resolve));
    const endlessUrl = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/endless`;
    receiver.route("/redirect", () => ({ status: 302, headers: { location: `${receiver.url}/silent` } }));
    try {
      const silent = await subscribe("/silent");
      const redirect = await subscribe("/redirect");
      const huge = await api.request("POST", "/api/subscriptions", {
        body: { url: endlessUrl, events: ["run.succeeded"], workflow: "crash" },
      });
      assert.equal(huge.status, 201);
      const startedAt = Date.now();
      await api.request("POST", "/api/workflows/crash/triggers/webhook", { body: {} });

      const [hugeDelivery] = await eventually(async () => {
        const page = await deliveries(huge.body.id);
        return page[0]?.status === "delivered" ? page : undefined;
      });
      assert.equal(hugeDelivery.attempt_log[0].response_code, 200);
      // At most the capped read plus what the sockets buffered, not an endless stream.
      assert.ok(written < 32 * 1024 * 1024, `the endless body was read only in part (${written} bytes written)`);

      const silentAttempt = await eventually(async () => (await deliveries(silent.id))[0]?.attempt_log[0]);
      assert.equal(silentAttempt.status, "failed");
      assert.equal(silentAttempt.response_code, null);
      assert.match(silentAttempt.error, /no answer within 1000 ms/);
      assert.ok(
        silentAttempt.duration_ms >= 900 && silentAttempt.duration_ms < 3_000,
        String(silentAttempt.duration_ms),
      );
      assert.ok(Date.now() - startedAt < 15_000);

      const redirectAttempt = await eventually(async () => (await deliveries(redirect.id))[0]?.attempt_log[0]);
      assert.equal(redirectAttempt.status, "failed");
      assert.equal(redirectAttempt.response_code, 302);
      // The redirect was not followed: /silent got only its own subscription's sends.
      assert.ok(receiver.requests.filter((r) => r.path === "/silent").every((r) => r.method === "POST"));
      for (const id of [silent.id, redirect.id, huge.body.id]) await api.request("DELETE", `/api/subscriptions/${id}`);
    } finally {
      endless.closeAllConnections();
      await new Promise<void>((resolve) => endless.close(() => resolve()));
    }
  });

  it("keeps running runs at full speed while every send hangs on a receiver that never answers", async () => {
    if (workers.every((w) => w.proc.exitCode !== null || w.proc.signalCode !== null)) await spawnWorker();
    receiver.route("/stuck", async () => {
      await held.promise;
      return { status: 200 };
    });
    const stuck = await subscribe("/stuck");
    const runs = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const res = await api.request("POST", "/api/workflows/crash/triggers/webhook", { body: {} });
        assert.equal(res.status, 202);
        return res.body.id as string;
      }),
    );
    await eventually(async () => {
      const { rows } = await api.deps.db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM runs WHERE id = ANY($1::uuid[]) AND status = 'succeeded'",
        [runs],
      );
      return rows[0]!.n === runs.length ? true : undefined;
    });
    // Every run succeeded while not one of their events could be delivered: execution never waits on a send.
    const page = await deliveries(stuck.id);
    assert.equal(page.length, runs.length);
    assert.equal(page.filter((d) => d.status === "delivered").length, 0);
    await api.request("DELETE", `/api/subscriptions/${stuck.id}`);
  });
});
