import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { StepRecord } from "../engine/execute-graph";

/** Spans Switchyard creates itself, through the API only: without a registered provider they cost nothing. */
const tracer = () => trace.getTracer("switchyard");

/**
 * A producer span under the caller's context, and that span's context serialized the way bullmq-otel reads a
 * job's `telemetry.metadata`. The run enqueuer coalesces many callers into one addBulk, whose own span belongs
 * to whichever caller came first: giving each job its caller's metadata keeps every run in its own trace.
 */
export function startEnqueueSpan(runCount: number): { metadata: string; end: (err?: unknown) => void } {
  const parent = context.active();
  const span = tracer().startSpan(
    "enqueue execute_run",
    { kind: SpanKind.PRODUCER, attributes: { "switchyard.run_count": runCount } },
    parent,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  return { metadata: JSON.stringify(carrier), end: (err) => endSpan(span, err) };
}

/** Runs `fn` inside a span named `name`, a child of the active context (a job's process span in the worker). */
export async function withSpan<T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      const result = await fn();
      endSpan(span);
      return result;
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  });
}

/** A finished step as a span of the active (run) span, with the step's own start and end. */
export function recordStepSpan(step: StepRecord): void {
  const span = tracer().startSpan(
    `step ${step.nodeId}`,
    {
      startTime: step.startedAt,
      attributes: { "switchyard.node_id": step.nodeId, "switchyard.step_status": step.status },
    },
    context.active(),
  );
  if (step.status === "failed") span.setStatus({ code: SpanStatusCode.ERROR, message: step.error ?? "failed" });
  span.end(step.finishedAt);
}

function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}
