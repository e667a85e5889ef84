import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { metricValue, scrapeMetrics } from "@switchyard/core/testing/scrape-metrics";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
const SECRET = "inbox-shared-secret";
const PER_MINUTE = 40;
const FLOOD = 5_000;

const entries = (api: TestApi, outcome?: string) =>
  api.request("GET", `/api/workflows/inbox/inbox?limit=200${outcome === undefined ? "" : `&outcome=${outcome}`}`);

const countRejected = async (api: TestApi) =>
  (
    await api.deps.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_inbox WHERE outcome = 'rejected'",
    )
  ).rows[0]!.n;

const dropped = async (api: TestApi) =>
  metricValue(await scrapeMetrics(api.url), "switchyard_inbox_rejected_dropped_total") ?? 0;

describe("webhook inbox", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  before(async () => {
    api = await startTestApi({ INBOX_REJECTED_PER_MINUTE: String(PER_MINUTE) });
    await api.request("POST", "/api/workflows", { body: { name: "inbox", handle: "inbox" } });
    await api.request("POST", "/api/workflows/inbox/versions", { body: { graph: GRAPH } });
    const put = await api.request("PUT", "/api/workflows/inbox/triggers/webhook/config", {
      body: {
        secret_header: "x-hook-secret",
        shared_secret: SECRET,
        rate_limit: { limit: 100_000, interval_seconds: 60 },
      },
    });
    assert.equal(put.status, 200, put.text);
    worker = spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info", WORKER_CONCURRENCY: "4" });
    await worker.waitForLog((l) => l.message === "worker started", 60_000);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  it("keeps an accepted delivery byte for byte, in the same statement as its run, without credentials", async () => {
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const res = await api.request("POST", "/api/workflows/inbox/triggers/webhook?page=2&token=t0k", {
      raw: body,
      headers: {
        "content-type": "application/octet-stream",
        "x-hook-secret": SECRET,
        "x-api-key": "k3y",
        "x-event": "e",
      },
    });
    assert.equal(res.status, 202, res.text);
    const list = await entries(api, "accepted");
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
    const [summary] = list.body;
    assert.equal(summary.run_id, res.body.id);
    assert.equal(summary.status, 202);
    assert.equal(summary.body_size, 256);
    assert.equal("body" in summary, false);

    const entry = await api.request("GET", `/api/inbox/${summary.id}`);
    assert.equal(entry.status, 200);
    assert.equal(entry.body.body_encoding, "base64");
    assert.deepEqual(Buffer.from(entry.body.body, "base64"), body);
    assert.equal(entry.body.method, "POST");
    assert.equal(entry.body.path, "/api/workflows/inbox/triggers/webhook");
    assert.deepEqual(entry.body.query, { page: "2" });
    assert.equal(entry.body.headers["x-event"], "e");
    assert.equal(entry.body.headers["x-hook-secret"], undefined);
    assert.equal(entry.body.headers["x-api-key"], undefined);
    assert.equal(entry.body.reason, null);

    // The entry and the run's creation committed in one statement: the same transaction id.
    const { rows } = await api.deps.db.pool.query<{ same: boolean }>(
      `SELECT e.xmin::text = a.xmin::text AS same FROM webhook_inbox e
       JOIN run_audit_entries a ON a.run_id = e.run_id AND a.action = 'run_created' WHERE e.id = $1`,
      [summary.id],
    );
    assert.equal(rows[0]?.same, true);
  });

  let rejectedId: string;
  it("keeps a rejected delivery after its answer, with its status and reason, and replays it into a run that executes", async () => {
    const text = "héllo wörld ✓ {not json";
    const res = await api.request("POST", "/api/workflows/inbox/triggers/webhook", {
      raw: Buffer.from(text, "utf8"),
      headers: { "content-type": "text/plain", "x-hook-secret": "wrong" },
    });
    assert.equal(res.status, 401);
    const summary = await eventually(
      async () => (await entries(api, "rejected")).body[0] as { id: string } | undefined,
    );
    rejectedId = summary.id;
    const entry = await api.request("GET", `/api/inbox/${rejectedId}`);
    assert.equal(entry.body.outcome, "rejected");
    assert.equal(entry.body.status, 401);
    assert.equal(entry.body.reason, "secret_mismatch");
    assert.equal(entry.body.run_id, null);
    assert.equal(entry.body.body_encoding, "utf8");
    assert.equal(entry.body.body, text);
    assert.equal(entry.body.headers["x-hook-secret"], undefined);

    const replay = await api.request("POST", `/api/inbox/${rejectedId}/replay`);
    assert.equal(replay.status, 201, replay.text);
    assert.equal(replay.body.triggered_by, "replay");
    assert.equal(replay.body.audit_log[0].metadata.inbox_entry_id, rejectedId);
    assert.deepEqual(replay.body.input_payload.body, { raw: text });
    const done = await eventually(async () => {
      const run = await api.request("GET", `/api/runs/${replay.body.id}`);
      return run.body.status === "succeeded" ? run.body : undefined;
    });
    assert.equal(done.status, "succeeded");
  });

  it("answers every delivery of a flood of rejections and keeps at most the sampled number", async () => {
    const before = await countRejected(api);
    const droppedBefore = await dropped(api);
    const startMinute = Math.floor(Date.now() / 60_000);
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < FLOOD) {
          next++;
          const res = await fetch(`${api.url}/api/workflows/inbox/triggers/webhook`, {
            method: "POST",
            body: "{}",
            headers: { "content-type": "application/json", "x-hook-secret": "wrong" },
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const minutes = Math.floor(Date.now() / 60_000) - startMinute + 1;
    assert.deepEqual([...statuses], [[401, FLOOD]]);
    // Every rejection is either kept or counted as dropped, once its answer went out.
    const kept = await eventually(async () => {
      const n = (await countRejected(api)) - before;
      return n + (await dropped(api)) - droppedBefore === FLOOD ? n : undefined;
    });
    // The minute of the earlier test's rejection may be this one's first: it took one place.
    assert.ok(kept <= PER_MINUTE * minutes, `${kept} kept over ${minutes} minute(s)`);
    assert.ok(kept >= PER_MINUTE - 1, `${kept} kept`);
  });

  it("answers 404 with a message for an inbox id that is not a UUID, or that names no entry", async () => {
    const bad = await api.request("GET", "/api/inbox/not-a-uuid");
    assert.equal(bad.status, 404);
    assert.equal(bad.body.detail, "Inbox entry not found");
    const none = await api.request("POST", "/api/inbox/00000000-0000-4000-8000-000000000000/replay");
    assert.equal(none.status, 404);
    const cursor = await api.request("GET", "/api/workflows/inbox/inbox?cursor=zzz");
    assert.equal(cursor.status, 422);
  });
});
