import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "../../../apps/api/src/testing/start-api";
import { createClient } from "./index";
import { SIGNAL_GRAPH } from "./testing/test-workflows";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

// The API process (apps/api's main.ts), stopped and started again on its port.
const startApi = (env: Record<string, string>): ServiceProcess => spawnService("api", env);

describe("runs.events across an API restart", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let served: ServiceProcess;
  let env: Record<string, string>;

  before(async () => {
    api = await startTestApi();
    // A short shutdown: the open event stream must not hold the stop up.
    env = { ...api.deps.env, PORT: String(await freePort()), LOG_LEVEL: "info", API_SHUTDOWN_TIMEOUT: "1" };
    worker = spawnService("worker", { ...api.deps.env, LOG_LEVEL: "info" });
    served = startApi(env);
    await Promise.all([
      worker.waitForLog((l) => l.message === "worker started"),
      served.waitForLog((l) => l.message === "api listening"),
    ]);
  });
  after(async () => {
    await served.stop();
    await worker.stop();
    await api.close();
  });

  it("resumes the stream from Last-Event-ID when the API process is stopped and started again on its port", async () => {
    const client = createClient({ url: `http://127.0.0.1:${env.PORT}` });
    await client.workflows.create({ name: "restart", handle: "restart" });
    await client.workflows.versions.create("restart", { graph: SIGNAL_GRAPH });
    const run = await client.runs.trigger("restart", { n: 1 });
    const seen: string[] = [];
    const ids: string[] = [];
    for await (const event of client.runs.events(run.id, { reconnectDelayMs: 100 })) {
      seen.push(event.type === "status" ? event.data.status : event.type);
      ids.push(event.id ?? "");
      if (event.type === "status" && event.data.status === "waiting") {
        await served.stop();
        const signalled = await api.request("POST", `/api/runs/${run.id}/signals/go`, { body: { answer: 1 } });
        assert.equal(signalled.status, 200);
        served = startApi(env);
        await served.waitForLog((l) => l.message === "api listening");
      }
    }
    const statuses = seen.filter((s) => !["log", "step", "end"].includes(s));
    assert.deepEqual(statuses, ["pending", "running", "waiting", "running", "succeeded"]);
    assert.equal(seen.filter((s) => s === "step").length, 3);
    assert.equal(seen.filter((s) => s === "log").length, 1);
    assert.equal(seen.at(-1), "end");
    assert.equal(new Set(ids).size, ids.length, `an event came twice: ${ids.join(" ")}`);
  });
});
