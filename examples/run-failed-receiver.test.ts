import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { eventually, type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../apps/api/src/testing/start-api";

const example = join(import.meta.dirname, "run-failed-receiver.ts");

/** The receiver example as a user runs it: it subscribes itself, and prints each verified run.failed once. */
describe("examples/run-failed-receiver.ts", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let receiver: ChildProcess;
  const lines: string[] = [];
  let admin: Record<string, string>;

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required" });
    const { key } = await createApiKey(api.deps.db, { name: "receiver", scopes: ["admin"], createdBy: "test" });
    admin = { authorization: `Bearer ${key}` };
    await api.request("POST", "/api/workflows", { body: { name: "Fragile", handle: "fragile" }, headers: admin });
    const graph = { nodes: [{ id: "boom", type: "fail", params: { message: "disk full" } }], edges: [] };
    const version = await api.request("POST", "/api/workflows/fragile/versions", { body: { graph }, headers: admin });
    assert.equal(version.status, 201, version.text);
    worker = await startWorker(api.deps.env, 60_000);
    receiver = spawn(process.execPath, ["--import", "tsx", example, "fragile"], {
      env: { ...process.env, API_URL: api.url, SWITCHYARD_API_KEY: key },
      stdio: ["ignore", "pipe", "inherit"],
    });
    createInterface({ input: receiver.stdout! }).on("line", (line) => lines.push(line));
  });
  after(async () => {
    receiver.kill("SIGKILL");
    await worker.stop();
    await api.close();
  });
  const line = (prefix: string) =>
    eventually(async () => lines.find((l) => l.startsWith(prefix)), 30_000, `a line starting ${prefix}`);

  it("verifies the delivery of a failed run and prints it; refuses a forged one", async () => {
    const listening = await line("listening ");
    const url = listening.split(" ")[1]!;
    const run = await api.request("POST", "/api/workflows/fragile/triggers/webhook", { body: {}, headers: admin });
    assert.equal(run.status, 202, run.text);
    const printed = await line("run.failed ");
    assert.match(printed, new RegExp(`^run\\.failed ${run.body.id} .*disk full`));

    const forged = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_forged",
        "webhook-timestamp": String(Math.floor(Date.now() / 1_000)),
        "webhook-signature": `v1,${Buffer.alloc(32).toString("base64")}`,
      },
      body: JSON.stringify({ type: "run.failed", data: { id: "x" } }),
    });
    assert.equal(forged.status, 401);
    // The receiver prints before it answers, but its output reaches this process over a pipe of its own.
    await line("rejected ");
  });
});
