import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { createSecretBox } from "@switchyard/core/secrets/secret-box";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";

const run = promisify(execFile);
const bin = join(import.meta.dirname, "../bin/switchyard.js");
const OLD = "o".repeat(40);
const NEW = "n".repeat(40);

describe("switchyard secrets reencrypt", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ SECRET_KEY: OLD });
  });
  after(async () => {
    await api.close();
  });

  const cli = (env: Record<string, string>, ...args: string[]) =>
    run(process.execPath, [bin, ...args], {
      env: { ...process.env, DATABASE_URL: api.deps.env.DATABASE_URL!, ...env },
    }).then(
      (out) => ({ code: 0, ...out }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it("moves secrets under the old key and plain-text ones to the new key", async () => {
    const graph = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
    for (const handle of ["rot-a", "rot-b", "rot-none"]) {
      await api.request("POST", "/api/workflows", { body: { name: handle, handle } });
      await api.request("POST", `/api/workflows/${handle}/versions`, { body: { graph } });
    }
    const put = await api.request("PUT", "/api/workflows/rot-a/triggers/webhook/config", {
      body: { secret_header: "x-s", shared_secret: "alpha", hmac_header: "x-h", hmac_secret: "beta" },
    });
    assert.equal(put.status, 200, put.text);
    await api.request("PUT", "/api/workflows/rot-none/triggers/webhook/config", {
      body: { allowed_methods: ["POST"] },
    });
    const b = (await api.request("GET", "/api/workflows/rot-b")).body;
    await api.deps.db.webhookConfig.create({
      data: { workflowId: b.id, config: { secret_header: "x-s", shared_secret: "gamma" } },
    });

    const res = await cli({ SECRET_KEY: NEW, SECRET_KEY_PREVIOUS: OLD }, "secrets", "reencrypt");
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /of 2 webhook config/);

    const rows = await api.deps.db.pool.query(
      "SELECT w.handle, c.config FROM webhook_configs c JOIN workflows w ON w.id = c.workflow_id ORDER BY w.handle",
    );
    const byHandle = Object.fromEntries(
      rows.rows.map((r: { handle: string; config: Record<string, string | null> }) => [r.handle, r.config]),
    );
    const box = createSecretBox(NEW);
    assert.equal(box.decrypt(byHandle["rot-a"]!.shared_secret!), "alpha");
    assert.equal(box.decrypt(byHandle["rot-a"]!.hmac_secret!), "beta");
    assert.equal(box.decrypt(byHandle["rot-b"]!.shared_secret!), "gamma");
    assert.match(byHandle["rot-b"]!.shared_secret!, /^enc:v1:/);
    assert.equal(byHandle["rot-none"]!.shared_secret, null);
  });

  it("fails without SECRET_KEY, and with keys that do not decrypt, changing nothing", async () => {
    assert.equal((await cli({ SECRET_KEY: "" }, "secrets", "reencrypt")).code, 2);
    const before = await api.deps.db.pool.query("SELECT config::text AS t FROM webhook_configs ORDER BY workflow_id");
    const wrong = await cli({ SECRET_KEY: "w".repeat(40) }, "secrets", "reencrypt");
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /is not the key it was encrypted with/);
    const after = await api.deps.db.pool.query("SELECT config::text AS t FROM webhook_configs ORDER BY workflow_id");
    assert.deepEqual(after.rows, before.rows);
  });
});
