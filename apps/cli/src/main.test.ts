import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTestApi, type TestApi } from "../../api/src/testing/start-api";
import { type ServiceProcess, startWorker } from "@switchyard/core/testing/service-process";
import { SIGNAL_GRAPH } from "../../../packages/client/src/testing/test-workflows";

const run = promisify(execFile);
const bin = join(import.meta.dirname, "../bin/switchyard.js");

describe("switchyard cli", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let env: Record<string, string> = {};

  const cli = async (...args: string[]) =>
    run(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }).then(
      (out) => ({ code: 0, ...out }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  before(async () => {
    api = await startTestApi();
    env = { ...api.deps.env, API_URL: api.url, LOG_LEVEL: "error" };
    worker = await startWorker(api.deps.env);
  });
  after(async () => {
    await worker.stop();
    await api.close();
  });

  const createWorkflow = async (handle: string, graph: unknown) => {
    const wf = (await api.request("POST", "/api/workflows", { body: { name: handle, handle } })).body;
    const version = await api.request("POST", `/api/workflows/${wf.id}/versions`, { body: { graph } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    return wf.id as string;
  };

  it("lists workflows, follows a triggered run to success and prints its steps", async () => {
    const id = await createWorkflow("cli-ok", {
      nodes: [{ id: "a", type: "set", params: { value: "{{ input.n }}" } }],
      edges: [],
    });
    const listed = await cli("workflows");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\tcli-ok`));

    const triggered = await cli("trigger", "cli-ok", "--input", '{"n": 7}', "--follow");
    assert.equal(triggered.code, 0, triggered.stderr);
    const lines = triggered.stdout.trim().split("\n");
    assert.match(lines[0] ?? "", / pending$/);
    assert.match(lines.at(-1) ?? "", / succeeded$/);

    const runId = (lines[0] ?? "").split(" ")[0] ?? "";
    const steps = await cli("steps", runId);
    assert.equal(steps.code, 0, steps.stderr);
    assert.match(steps.stdout, /7/);
  });

  it("runs the same commands through make targets", async () => {
    await createWorkflow("cli-make", {
      nodes: [{ id: "a", type: "set", params: { value: "{{ input.n }}" } }],
      edges: [],
    });
    const make = async (...args: string[]) =>
      run("make", ["--no-print-directory", ...args], {
        cwd: join(import.meta.dirname, "../../.."),
        env: { ...process.env, ...env },
      }).then(
        (out) => ({ code: 0, ...out }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
    const listed = await make("workflows");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /\tcli-make/);
    const triggered = await make("trigger", "WORKFLOW=cli-make", 'INPUT={"n": 41}');
    assert.equal(triggered.code, 0, triggered.stderr);
    const runId = triggered.stdout.split(" ")[0] ?? "";
    assert.match(triggered.stdout.trim(), / succeeded$/);
    const steps = await make("steps", `RUN=${runId}`);
    assert.match(steps.stdout, /41/);
    const preview = await make("cron-preview", "EXPR=0 9 * * MON-FRI", "ZONE=Europe/Paris");
    assert.match(preview.stdout, /09:00:00 Europe\/Paris/);
    assert.equal((await make("requeue")).code, 0);
  });

  it("exits 1 when the followed run fails", async () => {
    await createWorkflow("cli-fail", { nodes: [{ id: "a", type: "fail", params: { message: "no" } }], edges: [] });
    const triggered = await cli("trigger", "cli-fail", "--follow");
    assert.equal(triggered.code, 1);
    assert.match(triggered.stdout, / failed$/m);
  });

  /** `trigger --follow` as a process, its stdout line by line; `onLine` may act on the run meanwhile. */
  const follow = (handle: string, onLine: (line: string, runId: string) => Promise<void>) => {
    const child = spawn(process.execPath, [bin, "trigger", handle, "--input", '{"n": 5}', "--follow"], {
      env: { ...process.env, ...env },
    });
    const lines: string[] = [];
    const acted: Promise<void>[] = [];
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      acted.push(onLine(line, lines[0]!.split(" ")[0]!));
    });
    return new Promise<{ code: number | null; lines: string[] }>((resolve) =>
      child.on("close", (code) => void Promise.all(acted).then(() => resolve({ code, lines }))),
    );
  };

  it("streams a followed run's status changes, steps and log lines as they happen", async () => {
    await createWorkflow("cli-follow", SIGNAL_GRAPH);
    const { code, lines } = await follow("cli-follow", async (line, runId) => {
      if (line === `${runId} waiting`) {
        const res = await api.request("POST", `/api/runs/${runId}/signals/go`, { body: { answer: "yes" } });
        assert.equal(res.status, 200);
      }
    });
    assert.equal(code, 0);
    const id = lines[0]!.split(" ")[0]!;
    assert.deepEqual(
      lines.map((l) => l.replace(id, "<id>")),
      [
        "<id> pending",
        "<id> running",
        "<id> log hello info hello 5",
        "<id> step hello succeeded",
        "<id> waiting",
        "<id> step gate succeeded",
        "<id> running",
        "<id> step done succeeded",
        "<id> succeeded",
      ],
    );
  });

  it("exits 3 when the followed run is cancelled", async () => {
    await createWorkflow("cli-cancel", SIGNAL_GRAPH);
    const { code, lines } = await follow("cli-cancel", async (line, runId) => {
      if (line === `${runId} waiting`) await api.request("POST", `/api/runs/${runId}/cancel`, { body: {} });
    });
    assert.equal(code, 3);
    assert.match(lines.at(-1) ?? "", / cancelled$/);
  });

  it("previews a cron expression's next fire times in a zone, offline", async () => {
    const out = await cli("cron-preview", "0 9 * * *", "--tz", "Europe/Paris", "--count", "3");
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split("\n");
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\d 09:00:00 Europe\/Paris\t/);
    assert.equal((await cli("cron-preview", "not cron")).code, 1);
  });

  it("requeues nothing when no run is stuck", async () => {
    const out = await cli("requeue");
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^requeued \d+ run\(s\)/);
  });
});
