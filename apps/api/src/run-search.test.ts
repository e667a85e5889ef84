import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("GET /api/runs (cross-workflow search)", () => {
  let api: TestApi;
  const ids: Record<string, string> = {};
  let workflowA = "";

  before(async () => {
    api = await startTestApi();
    const create = async (handle: string) => {
      const wf = (await api.request("POST", "/api/workflows", { body: { name: handle, handle } })).body;
      const version = (await api.request("POST", `/api/workflows/${wf.id}/versions`, { body: { graph: GRAPH } })).body;
      return { id: wf.id as string, versionId: version.id as string };
    };
    const a = await create("search-a");
    const b = await create("search-b");
    workflowA = a.id;
    const run = async (name: string, wf: { id: string; versionId: string }, triggeredBy: string, input: unknown) => {
      const res = await api.request("POST", `/api/workflows/${wf.id}/runs`, {
        body: { workflow_version_id: wf.versionId, triggered_by: triggeredBy, input_payload: input },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[name] = res.body.id;
    };
    // Oldest first: the API answers newest first.
    await run("a1", a, "webhook", { body: { order: { id: "ord-1", total: 12 } } });
    await run("a2", a, "manual", { body: { order: { id: "ord-2", total: 30 } }, customer: "acme" });
    await run("b1", b, "webhook", { body: { order: { id: "ord-3" } }, note: "deep", tags: ["x", "needle-7"] });
    await run("b2", b, "cron", { scheduled_for: "2026-01-01T00:00:00+00:00", count: 7 });
    await api.request("POST", `/api/runs/${ids.b2}/fail`, { body: { actor: "t", error: "boom" } });
    // Distinct creation times, one day apart, so the order never rests on two inserts' clock readings.
    for (const [i, name] of ["a1", "a2", "b1", "b2"].entries()) {
      await api.deps.db.$executeRawUnsafe(
        `UPDATE runs SET created_at = $1::timestamptz WHERE id = $2::uuid`,
        `2026-01-0${i + 1}T12:00:00Z`,
        ids[name],
      );
    }
  });
  after(async () => {
    await api.close();
  });

  const search = async (query: string) => {
    const res = await api.request("GET", `/api/runs${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { id: string }[]).map((r) => Object.keys(ids).find((k) => ids[k] === r.id));
  };

  it("lists runs of every workflow, newest first", async () => {
    assert.deepEqual(await search(""), ["b2", "b1", "a2", "a1"]);
  });

  it("filters by workflow (id or handle), status and trigger", async () => {
    assert.deepEqual(await search(`?workflow=${workflowA}`), ["a2", "a1"]);
    assert.deepEqual(await search("?workflow=search-b"), ["b2", "b1"]);
    assert.deepEqual(await search("?status=failed"), ["b2"]);
    assert.deepEqual(await search("?triggered_by=webhook"), ["b1", "a1"]);
    assert.deepEqual(await search("?triggered_by=webhook&workflow=search-a&status=pending"), ["a1"]);
  });

  it("filters by a creation time range, after inclusive and before exclusive", async () => {
    assert.deepEqual(await search("?created_after=2026-01-02T12:00:00Z"), ["b2", "b1", "a2"]);
    assert.deepEqual(await search("?created_after=2026-01-02T12:00:00Z&created_before=2026-01-04T12:00:00Z"), [
      "b1",
      "a2",
    ]);
    // A naive datetime is UTC.
    assert.deepEqual(await search("?created_before=2026-01-02T00:00:00"), ["a1"]);
  });

  it("finds a run by its id", async () => {
    assert.deepEqual(await search(`?q=${ids.b1}`), ["b1"]);
    assert.deepEqual(await search(`?q=${ids.b1!.toUpperCase()}&workflow=search-a`), []);
  });

  it("finds runs by a value inside the input payload: path=value, a JSON object, or the bare value", async () => {
    assert.deepEqual(await search("?q=body.order.id%3Dord-2"), ["a2"]);
    assert.deepEqual(await search("?q=body.order.total%3D12"), ["a1"]);
    assert.deepEqual(await search(`?q=${encodeURIComponent('{"customer":"acme"}')}`), ["a2"]);
    // b2 failed: a finished run, found through the payload index; the others are pending, found through their status.
    assert.deepEqual(await search("?q=count%3D7"), ["b2"]);
    assert.deepEqual(await search(`?q=${encodeURIComponent('{"count":7}')}&status=failed`), ["b2"]);
    assert.deepEqual(await search("?q=ord-3"), ["b1"]);
    assert.deepEqual(await search("?q=needle-7"), ["b1"]);
    assert.deepEqual(await search("?q=7"), ["b2"]);
    assert.deepEqual(await search("?q=nothing-like-this"), []);
  });

  it("pages with X-Next-Cursor", async () => {
    const first = await api.request("GET", "/api/runs?limit=3");
    assert.equal(first.body.length, 3);
    const cursor = first.headers.get("x-next-cursor");
    assert.ok(cursor);
    const second = await api.request("GET", `/api/runs?limit=3&cursor=${cursor}`);
    assert.deepEqual(
      second.body.map((r: { id: string }) => r.id),
      [ids.a1],
    );
    assert.equal(second.headers.get("x-next-cursor"), null);
  });

  it("answers 4xx with a clear message on bad filters", async () => {
    const bad = async (query: string, status = 422) => {
      const res = await api.request("GET", `/api/runs${query}`);
      assert.equal(res.status, status, `${query}: ${res.text}`);
      return res.body.detail;
    };
    assert.equal((await bad("?status=done"))[0].loc.join("."), "query.status");
    await bad("?limit=0");
    await bad("?limit=201");
    await bad("?created_after=yesterday");
    const order = await bad("?created_after=2026-02-01T00:00:00Z&created_before=2026-01-01T00:00:00Z");
    assert.match(order[0].msg, /created_after must be before created_before/);
    assert.equal((await bad("?statuz=failed"))[0].type, "unrecognized_keys");
    assert.match(await bad("?cursor=bm9wZQ"), /Invalid cursor/);
    assert.match(await bad(`?q=${encodeURIComponent("{nope")}`), /JSON object/);
    assert.equal(await bad("?workflow=no-such-workflow", 404), "Workflow not found");
  });

  it("lists a run's steps, 404 for an unknown run", async () => {
    const steps = await api.request("GET", `/api/runs/${ids.a1}/steps`);
    assert.equal(steps.status, 200);
    assert.deepEqual(steps.body, []);
    assert.equal((await api.request("GET", "/api/runs/00000000-0000-4000-8000-000000000000/steps")).status, 404);
    assert.equal((await api.request("GET", "/api/runs/nope/steps")).status, 404);
  });

  it("reports queue depth and runs finished per minute", async () => {
    const res = await api.request("GET", "/api/system/queues");
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.queues.map((q: { name: string }) => q.name),
      ["runs", "beat"],
    );
    assert.equal(typeof res.body.queues[0].counts.waiting, "number");
    assert.equal(res.body.throughput.per_minute.length, 60);
    const failed = res.body.throughput.per_minute.reduce((n: number, m: { failed: number }) => n + m.failed, 0);
    assert.equal(failed, 1);
  });
});
