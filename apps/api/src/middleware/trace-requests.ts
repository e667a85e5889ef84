import type { RequestHandler } from "express";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

/**
 * A server span per request, continuing the caller's trace when it sends `traceparent`. Everything the request
 * does (the run's insert, its enqueue) runs in the span's context. Mounted only when tracing is on.
 */
export function traceRequests(): RequestHandler {
  const tracer = trace.getTracer("switchyard-api");
  return (req, res, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method, "url.path": req.path } },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      // The route template, not the path: span names stay few whatever the ids in the URL.
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === "string") {
        const template = `${req.baseUrl}${route}`;
        span.updateName(`${req.method} ${template}`);
        span.setAttribute("http.route", template);
      }
      span.setAttribute("http.response.status_code", res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once("finish", end);
    res.once("close", end);
    context.with(trace.setSpan(parent, span), next);
  };
}
