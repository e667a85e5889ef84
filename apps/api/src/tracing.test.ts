import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";

type Span = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; service: string };
type ExportBody = {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<Span, "service">[] }[];
  }[];
};

/** An OTLP/HTTP JSON receiver: collects every exported span with its service name. */
async function startOtlpReceiver(): Promise<{ url: string; spans: Span[]; close: () => Promise<void> }> {
  const spans: Span[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces" && (req.headers["content-type"] ?? "").includes("json")) {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as ExportBody;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue ?? "";
          for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const GRAPH = {
  nodes: [
    { id: "first", type: "set", params: { value: 1 } },
    { id: "second", type: "set", params: { value: 2 } },
  ],
  edges: [{ from: "first", to: "second" }],
};

describe("tracing", () => {
  let deps: TestDeps;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let apiUrl: string;

  before(async () => {
    deps = await createTestDeps();
    receiver = await startOtlpReceiver();
    // A short batch delay so spans reach the receiver soon after they end.
    const env = {
      ...deps.env,
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "100",
    };
    api = spawnService("api", { ...env, PORT: "0" });
    worker = spawnService("worker", env);
    const listening = await api.waitForLog((l) => l.message === "api listening");
    await worker.waitForLog((l) => l.message === "worker started");
    apiUrl = `http://127.0.0.1:${String(listening.port)}`;
  });
  after(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await receiver?.close();
    await deps?.close();
  });

  it("follows one webhook delivery in a single trace from the request through the queue to every step", async () => {
    const workflow = await deps.db.workflow.create({ data: { name: "traced", handle: "traced" } });
    await deps.db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
    const res = await fetch(`${apiUrl}/api/workflows/traced/triggers/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ hello: "trace" }),
    });
    assert.equal(res.status, 202);
    const runId = ((await res.json()) as { id: string }).id;

    const byName = (name: string) => receiver.spans.find((s) => s.name === name);
    const names = [
      "POST /api/workflows/:ref/triggers/webhook",
      "enqueue execute_run",
      "process runs",
      "execute_run",
      "step first",
      "step second",
    ];
    await eventually(async () => (names.every((n) => byName(n) !== undefined) ? true : undefined), 30_000, "the spans");
    const [request, enqueue, processed, execution, first, second] = names.map((n) => byName(n)!);

    const traceIds = new Set([request, enqueue, processed, execution, first, second].map((s) => s!.traceId));
    assert.equal(traceIds.size, 1, JSON.stringify(receiver.spans, null, 1));
    // Each hop is the child of the one before it; both steps hang under the run's span.
    assert.equal(request!.parentSpanId ?? "", "");
    assert.equal(enqueue!.parentSpanId, request!.spanId);
    assert.equal(processed!.parentSpanId, enqueue!.spanId);
    assert.equal(execution!.parentSpanId, processed!.spanId);
    assert.equal(first!.parentSpanId, execution!.spanId);
    assert.equal(second!.parentSpanId, execution!.spanId);
    assert.equal(request!.service, "switchyard-api");
    assert.equal(execution!.service, "switchyard-worker");
    const run = await deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    assert.equal(run.status, "succeeded");
  });
});
