import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { BullMQOtel } from "bullmq-otel";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { createRedis } from "../redis";
import { runJobId } from "../jobs/catalog";
import { createRunEnqueuer } from "../jobs/create-run-enqueuer";

/** Jobs coalesced into one addBulk still carry their own caller's trace context. */
describe("trace context through the coalesced enqueue", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const prefix = `syt-trace-${randomUUID().slice(0, 8)}`;
  const redis = createRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", "worker");
  let queue: Queue;
  before(() => {
    provider.register();
    queue = new Queue("runs", { connection: redis, prefix, telemetry: new BullMQOtel({ tracerName: "test" }) });
  });
  after(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await provider.shutdown();
  });

  it("gives each job its caller's trace, under an enqueue span of that caller, in one addBulk", async () => {
    const enqueue = createRunEnqueuer(() => queue);
    const tracer = trace.getTracer("test");
    const callers = ["request a", "request b"].map((name) => ({
      span: tracer.startSpan(name, {}, ROOT_CONTEXT),
      id: randomUUID(),
    }));
    // Both in the same turn of the event loop: coalesced into one addBulk.
    await Promise.all(callers.map((c) => context.with(trace.setSpan(ROOT_CONTEXT, c.span), () => enqueue([c.id]))));
    for (const c of callers) c.span.end();

    const finished = exporter.getFinishedSpans();
    assert.equal(finished.filter((s) => s.name === "addBulk runs").length, 1);
    for (const caller of callers) {
      const job = await queue.getJob(runJobId(caller.id));
      const carrier = JSON.parse(job?.opts.telemetry?.metadata ?? "{}") as { traceparent?: string };
      const [, traceId, spanId] = (carrier.traceparent ?? "").split("-");
      assert.equal(traceId, caller.span.spanContext().traceId);
      const enqueueSpan = finished.find((s) => s.spanContext().spanId === spanId);
      assert.equal(enqueueSpan?.name, "enqueue execute_run");
      assert.equal(enqueueSpan?.parentSpanContext?.spanId, caller.span.spanContext().spanId);
    }
  });
});
