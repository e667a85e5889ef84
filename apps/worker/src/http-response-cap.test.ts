import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createGate } from "@switchyard/core/engine/testing/start-test-server";
import { startRawServer, streamRepeated, type RawServer } from "@switchyard/core/engine/testing/start-raw-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

const MiB = 1024 * 1024;
/** Short leases, so a heartbeat that stopped for a couple of seconds would show as an expired lease. */
const LEASES = { RUN_LEASE_SECONDS: "2", RUN_LEASE_HEARTBEAT_SECONDS: "1" };

/** The peak resident set of a process so far (VmHWM), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

describe("a 700 MB response to http.request on a real worker", () => {
  let deps: TestDeps;
  let server: RawServer;
  let worker: ServiceProcess;
  const resume = createGate();
  const firstPart = createGate();
  let sent: Promise<number> = Promise.resolve(0);

  before(async () => {
    deps = await createTestDeps();
    server = await startRawServer(async (req, res) => {
      if (req.url === "/small")
        return void res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      // 4 MiB at once, then the rest once the test has checked the worker meanwhile: 700 MB in all, chunked.
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(MiB, "a");
      sent = (async () => {
        const head = await streamRepeated(res, chunk, 4 * MiB, { end: false });
        firstPart.open();
        await resume.promise;
        return head + (await streamRepeated(res, chunk, 696 * MiB));
      })();
    });
    // The heap limit production runs with (package.json, the units): a body read whole would end the worker.
    const env = { ...deps.env, ...LEASES, LOG_LEVEL: "info", WORKER_ID: "cap-test" };
    worker = spawnService("worker", { ...env, NODE_OPTIONS: "--max-old-space-size=512" });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    resume.open();
    await worker.stop();
    await server.close();
    await deps.close();
  });

  const oneCall = (path: string) => ({
    nodes: [{ id: "fetch", type: "http.request", params: { url: `${server.url}${path}` } }],
    edges: [],
  });

  it("fails its node naming the limit while the worker keeps its memory, its heartbeat and its other runs", async (t) => {
    const big = await createTestRun(deps.db, oneCall("/big"));
    await enqueueRuns(deps.queues, [big.runId]);
    await firstPart.promise;
    // While the big body is being read, the lease keeps being renewed and another run completes.
    const { leaseExpiresAt: firstLease } = await deps.db.run.findUniqueOrThrow({ where: { id: big.runId } });
    await eventually(async () => {
      const run = await deps.db.run.findUniqueOrThrow({ where: { id: big.runId } });
      return run.leaseExpiresAt!.getTime() >= firstLease!.getTime() + 2_000 ? true : undefined;
    });
    const small = await createTestRun(deps.db, oneCall("/small"));
    await enqueueRuns(deps.queues, [small.runId]);
    assert.equal((await waitForOutcome(deps.db, small.runId)).run.status, "succeeded");
    resume.open();

    const { run, audit } = await waitForOutcome(deps.db, big.runId, 60_000);
    assert.equal(run.status, "failed");
    assert.match(run.error ?? "", /response body exceeds max_response_bytes \(5242880 bytes\)$/);
    assert.equal(run.attempt, 1);
    assert.ok(!audit.some((a) => a.action === "run_lease_expired"), audit.map((a) => a.action).join(", "));
    // The worker read a few MB and closed the connection: the server never got to send the 700 MB.
    assert.ok((await sent) < 100 * MiB, `server sent ${await sent} bytes`);
    const peak = await peakRss(worker.proc.pid!);
    t.diagnostic(`worker peak RSS ${Math.round(peak / MiB)} MiB; server sent ${Math.round((await sent) / MiB)} MiB`);
    assert.ok(peak < 400 * MiB, `worker peak RSS ${Math.round(peak / MiB)} MiB`);
    // Still alive and working.
    assert.equal(worker.proc.exitCode, null);
    const after = await createTestRun(deps.db, oneCall("/small"));
    await enqueueRuns(deps.queues, [after.runId]);
    assert.equal((await waitForOutcome(deps.db, after.runId)).run.status, "succeeded");
  });
});
