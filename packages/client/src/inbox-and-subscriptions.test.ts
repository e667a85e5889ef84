import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { eventually, startWorker, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../../apps/api/src/testing/start-api";
import { createClient, ForbiddenError, ValidationError, type Delivery, type SwitchyardClient } from "./index";

const SECRET = "inbox-client-secret";
/** A webhook run's input is the delivery (`body`, `headers`, ...). */
const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: "{{ input.body.n }}" } }], edges: [] };

/** The client's inbox and subscriptions namespaces against a real API, worker and receiver. */
describe("client inbox and subscriptions", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let receiver: TestServer;
  let client: SwitchyardClient;
  let reader: SwitchyardClient;

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required" });
    const admin = await createApiKey(api.deps.db, { name: "admin", scopes: ["admin"], createdBy: "test" });
    const read = await createApiKey(api.deps.db, { name: "read", scopes: ["read"], createdBy: "test" });
    client = createClient({ url: api.url, token: admin.key });
    reader = createClient({ url: api.url, token: read.key });
    receiver = await startTestServer();
    receiver.route("/events", () => ({ status: 204 }));
    const wf = await client.workflows.create({ name: "Hooks", handle: "hooks" });
    await client.workflows.versions.create(wf.id, { graph: GRAPH });
    await client.workflows.webhook.setConfig("hooks", { secret_header: "x-hook-secret", shared_secret: SECRET });
    worker = await startWorker(api.deps.env, 60_000);
  });
  after(async () => {
    await worker.stop();
    await receiver.close();
    await api.close();
  });

  const post = (n: number, secret: string) =>
    fetch(`${api.url}/api/workflows/hooks/triggers/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hook-secret": secret },
      body: JSON.stringify({ n }),
    });

  it("lists, reads and replays inbox entries, and pages through them", async () => {
    const accepted = await post(1, SECRET);
    assert.equal(accepted.status, 202);
    const rejected = await post(2, "wrong");
    assert.equal(rejected.status, 401);

    // A rejected delivery's entry is written after its answer.
    const [entry] = await eventually(async () => {
      const page = await client.inbox.page("hooks", { outcome: "rejected" });
      return page.entries.length > 0 ? page.entries : undefined;
    });
    assert.equal(entry!.reason, "secret_mismatch");
    const full = await client.inbox.get(entry!.id);
    assert.equal(full.body_encoding, "utf8");
    assert.deepEqual(JSON.parse(full.body), { n: 2 });

    const run = await client.inbox.replay(entry!.id);
    assert.equal(run.triggered_by, "replay");
    const ended = await client.runs.wait(run.id, { timeoutMs: 20_000 });
    assert.equal(ended.status, "succeeded", ended.error ?? "");

    // One entry per page: the iterator follows the cursor to the last page.
    const ids: string[] = [];
    for await (const page of client.inbox.list("hooks", { limit: 1 })) ids.push(...page.entries.map((e) => e.id));
    assert.equal(ids.length, 2);
    assert.equal(new Set(ids).size, 2);
  });

  it("types the API's refusals: a bad outcome, an id that is not a UUID, a key without admin scope", async () => {
    await assert.rejects(client.inbox.page("hooks", { outcome: "maybe" as "accepted" }), ValidationError);
    await assert.rejects(client.inbox.get("not-a-uuid"), (err: unknown) => {
      assert.ok(err instanceof Error && "status" in err);
      assert.ok([404, 422].includes(err.status as number), String(err.status));
      return true;
    });
    await assert.rejects(reader.inbox.page("hooks"), ForbiddenError);
    await assert.rejects(reader.subscriptions.list(), ForbiddenError);
  });

  it("manages a subscription, delivers to it, and sends a delivery again", async () => {
    await assert.rejects(
      client.subscriptions.create({ url: "ftp://example.com/x", events: ["run.succeeded"] }),
      ValidationError,
    );
    const created = await client.subscriptions.create({
      url: `${receiver.url}/events`,
      events: ["run.succeeded"],
      workflow: "hooks",
    });
    assert.match(created.secret, /^whsec_/);
    const stored = await client.subscriptions.get(created.id);
    assert.equal("secret" in stored, false);
    assert.ok((await client.subscriptions.list()).some((s) => s.id === created.id));

    const res = await post(3, SECRET);
    assert.equal(res.status, 202);
    const delivered = await eventually(async () => {
      const { deliveries } = await client.subscriptions.deliveries.page(created.id);
      return deliveries.find((d) => d.status === "delivered");
    });
    assert.equal(delivered.event_type, "run.succeeded");
    assert.equal(delivered.attempt_log.at(-1)?.response_code, 204);

    const again = await client.subscriptions.deliveries.retry(created.id, delivered.id);
    assert.equal(again.id, delivered.id);
    const redelivered = await eventually(async () => {
      const all: Delivery[] = [];
      for await (const page of client.subscriptions.deliveries.list(created.id, { limit: 1 }))
        all.push(...page.deliveries);
      const d = all.find((x) => x.id === delivered.id);
      return d?.status === "delivered" && d.attempt_log.length === 2 ? d : undefined;
    });
    assert.deepEqual(
      redelivered.attempt_log.map((a) => a.status),
      ["succeeded", "succeeded"],
    );

    const paused = await client.subscriptions.update(created.id, {
      url: `${receiver.url}/events`,
      events: ["run.succeeded", "run.failed"],
      enabled: false,
    });
    assert.equal(paused.enabled, false);
    assert.deepEqual(paused.events, ["run.succeeded", "run.failed"]);
    await client.subscriptions.delete(created.id);
    assert.equal((await client.subscriptions.list()).length, 0);
  });
});
