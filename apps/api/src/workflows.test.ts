import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("workflows and versions", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  it("creates a workflow and reads it by id and by handle", async () => {
    const created = await api.request("POST", "/api/workflows", {
      body: { name: "Orders", handle: "orders", tags: ["a"], description: "d" },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.handle, "orders");
    assert.equal(created.body.latest_version, null);
    assert.equal(created.body.is_scheduled, false);
    assert.equal(created.body.is_archived, false);
    const byId = await api.request("GET", `/api/workflows/${created.body.id}`);
    const byHandle = await api.request("GET", "/api/workflows/orders");
    assert.equal(byId.body.id, created.body.id);
    assert.equal(byHandle.body.id, created.body.id);
  });

  it("accepts Orcheo's create body with a slug, keeps it slugified and returns it", async () => {
    // What Orcheo's SDK sends when it uploads a workflow without a handle.
    const body = { name: "my_flow", slug: "My_Flow", description: "From the SDK", tags: ["cli-upload"], actor: "cli" };
    const created = await api.request("POST", "/api/workflows", { body });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.body.slug, created.body.handle, created.body.name], ["my-flow", null, "my_flow"]);
    // Not unique, as in Orcheo: uploading the same file again creates another workflow.
    const again = await api.request("POST", "/api/workflows", { body });
    assert.deepEqual([again.status, again.body.slug], [201, "my-flow"]);
    assert.notEqual(again.body.id, created.body.id);
    // Not an address: only an id or a handle is.
    assert.equal((await api.request("GET", "/api/workflows/my-flow")).status, 404);

    const fromName = await api.request("POST", "/api/workflows", { body: { name: "Nightly Report!", handle: "nr" } });
    assert.equal(fromName.body.slug, "nightly-report");
    const blank = await api.request("POST", "/api/workflows", { body: { name: "Blank slug", slug: "" } });
    assert.equal(blank.body.slug, "blank-slug");

    // Kept as it was when the workflow is renamed; not something an update sets (Orcheo ignores it there).
    const renamed = await api.request("PUT", "/api/workflows/nr", { body: { name: "Renamed" } });
    assert.deepEqual([renamed.body.name, renamed.body.slug], ["Renamed", "nightly-report"]);
    const listed = (await api.request("GET", "/api/workflows")).body.find(
      (w: { id: string }) => w.id === created.body.id,
    );
    assert.equal(listed.slug, "my-flow");
    const update = await api.request("PUT", "/api/workflows/nr", { body: { slug: "other" } });
    assert.equal(update.status, 422);
    assert.match(JSON.stringify(update.body.detail), /slug/);
    const tooLong = await api.request("POST", "/api/workflows", { body: { name: "x", slug: "s".repeat(201) } });
    assert.equal(tooLong.status, 422);
  });

  it("answers Orcheo's LangGraph script upload with a 422 that points to the JSON versions route", async () => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: "Upload", handle: "upload" } })).body;
    // What Orcheo's SDK posts for `orcheo workflow upload flow.py`.
    const body = {
      script: "from langgraph.graph import StateGraph\n\ndef build_graph():\n    return StateGraph(dict)\n",
      entrypoint: null,
      metadata: { source: "cli-upload", filename: "flow.py" },
      notes: "Uploaded from flow.py via CLI",
      created_by: "cli",
    };
    for (const ref of ["upload", wf.id]) {
      const res = await api.request("POST", `/api/workflows/${ref}/versions/ingest`, { body });
      assert.equal(res.status, 422, res.text);
      assert.equal(typeof res.body.detail, "string");
      assert.match(res.body.detail, /LangGraph Python scripts are not supported/);
      assert.ok(res.body.detail.includes("POST /api/workflows/upload/versions"), res.body.detail);
    }
    assert.equal((await api.request("POST", "/api/workflows/upload/versions/ingest", { body: {} })).status, 422);
    const unknown = await api.request("POST", "/api/workflows/missing/versions/ingest", { body });
    assert.deepEqual([unknown.status, unknown.body], [404, { detail: "Workflow not found" }]);
    assert.deepEqual((await api.request("GET", "/api/workflows/upload/versions")).body, []);
  });

  it("rejects a duplicate handle with 409 and unknown fields with 422", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "x", handle: "dup" } });
    const dup = await api.request("POST", "/api/workflows", { body: { name: "y", handle: "dup" } });
    assert.equal(dup.status, 409);
    assert.match(dup.body.detail, /already in use/);
    const unknown = await api.request("POST", "/api/workflows", { body: { name: "y", colour: "red" } });
    assert.equal(unknown.status, 422);
    assert.ok(Array.isArray(unknown.body.detail));
    assert.deepEqual(Object.keys(unknown.body.detail[0]).sort(), ["loc", "msg", "type"]);
    const nul = await api.request("POST", "/api/workflows", {
      raw: '{"name": "a\\u0000b"}',
      headers: { "content-type": "application/json" },
    });
    assert.equal(nul.status, 422);
    const missing = await api.request("POST", "/api/workflows", { body: {} });
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body.detail[0].loc, ["body", "name"]);
  });

  it("answers 404 Workflow not found for an unknown ref", async () => {
    for (const ref of ["nope", "00000000-0000-0000-0000-000000000000", "a%00b", "x".repeat(5000)]) {
      const res = await api.request("GET", `/api/workflows/${ref}`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { detail: "Workflow not found" });
    }
  });

  it("updates, archives and hides archived workflows from the default list", async () => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: "Temp", handle: "temp" } })).body;
    const updated = await api.request("PUT", "/api/workflows/temp", { body: { name: "Temp 2", tags: ["t"] } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.name, "Temp 2");
    const archived = await api.request("DELETE", "/api/workflows/temp");
    assert.equal(archived.status, 200);
    assert.equal(archived.body.is_archived, true);
    const list = await api.request("GET", "/api/workflows");
    assert.ok(!list.body.some((w: { id: string }) => w.id === wf.id));
    const all = await api.request("GET", "/api/workflows?include_archived=true");
    assert.ok(all.body.some((w: { id: string }) => w.id === wf.id));
    const bad = await api.request("GET", "/api/workflows?include_archived=maybe");
    assert.equal(bad.status, 422);
  });

  it("numbers versions 1, 2, 3, lists them oldest first and reports latest_version", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "V", handle: "versions" } });
    for (let i = 1; i <= 3; i++) {
      const v = await api.request("POST", "/api/workflows/versions/versions", {
        body: { graph: { ...GRAPH, nodes: [{ id: "a", type: "set", params: { value: i } }] }, notes: `v${i}` },
      });
      assert.equal(v.status, 201);
      assert.equal(v.body.version, i);
      assert.equal(v.body.created_by, "system");
    }
    const list = await api.request("GET", "/api/workflows/versions/versions");
    assert.deepEqual(
      list.body.map((v: { version: number }) => v.version),
      [1, 2, 3],
    );
    const wf = await api.request("GET", "/api/workflows/versions");
    assert.equal(wf.body.latest_version, 3);
    const two = await api.request("GET", "/api/workflows/versions/versions/2");
    assert.equal(two.body.notes, "v2");
    for (const n of ["9", "abc", "0"]) {
      const missing = await api.request("GET", `/api/workflows/versions/versions/${n}`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { detail: "Workflow version not found" });
    }
  });

  it("creates concurrent versions with distinct numbers", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "C", handle: "concurrent" } });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.request("POST", "/api/workflows/concurrent/versions", { body: { graph: GRAPH } }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.body.version).sort((a: number, b: number) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  it("diffs two versions as unified diff lines of the pretty-printed graphs", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "D", handle: "diff" } });
    await api.request("POST", "/api/workflows/diff/versions", { body: { graph: GRAPH } });
    await api.request("POST", "/api/workflows/diff/versions", {
      body: { graph: { ...GRAPH, nodes: [{ id: "a", type: "set", params: { value: 2 } }] } },
    });
    const res = await api.request("GET", "/api/workflows/diff/versions/1/diff/2");
    assert.equal(res.status, 200);
    assert.equal(res.body.base_version, 1);
    assert.equal(res.body.target_version, 2);
    assert.equal(res.body.diff[0], "--- v1");
    assert.equal(res.body.diff[1], "+++ v2");
    assert.match(res.body.diff[2], /^@@ -\d+,\d+ \+\d+,\d+ @@$/);
    assert.ok(res.body.diff.includes('-        "value": 1'));
    assert.ok(res.body.diff.includes('+        "value": 2'));
    const same = await api.request("GET", "/api/workflows/diff/versions/1/diff/1");
    assert.deepEqual(same.body.diff, []);
  });

  it("rejects a version whose graph is not a graph with 422", async () => {
    await api.request("POST", "/api/workflows", { body: { name: "G", handle: "graphs" } });
    const res = await api.request("POST", "/api/workflows/graphs/versions", { body: { graph: { nodes: [] } } });
    assert.equal(res.status, 422);
    const notObject = await api.request("POST", "/api/workflows/graphs/versions", { body: { graph: [] } });
    assert.equal(notObject.status, 422);
  });
});

describe("graph validation at version creation", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.request("POST", "/api/workflows", { body: { name: "V", handle: "v" } });
  });
  after(async () => {
    await api.close();
  });

  const post = (graph: unknown) => api.request("POST", "/api/workflows/v/versions", { body: { graph } });

  it("names the node and the problem for each invalid graph", async () => {
    const cases: [unknown, RegExp][] = [
      [{ nodes: [{ id: "a", type: "nope", params: {} }], edges: [] }, /a.*nope|nope.*a/],
      [
        {
          nodes: [
            { id: "a", type: "set", params: { value: 1 } },
            { id: "a", type: "set", params: { value: 2 } },
          ],
          edges: [],
        },
        /a/,
      ],
      [{ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [{ from: "a", to: "ghost" }] }, /ghost/],
      [{ nodes: [{ id: "t", type: "transform", params: { expression: "((" } }], edges: [] }, /t/],
      [
        {
          nodes: [
            { id: "a", type: "set", params: { value: 1 } },
            { id: "b", type: "set", params: { value: 1 } },
          ],
          edges: [
            { from: "a", to: "b" },
            { from: "b", to: "a" },
          ],
        },
        /cycle/i,
      ],
      [{ nodes: [{ id: "h", type: "http.request", params: {} }], edges: [] }, /h/],
    ];
    for (const [graph, pattern] of cases) {
      const res = await post(graph);
      assert.equal(res.status, 422, JSON.stringify(graph));
      const messages = res.body.detail.map((d: { msg: string }) => d.msg).join(" | ");
      assert.match(messages, pattern);
    }
  });
});
