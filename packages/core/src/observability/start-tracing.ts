import type { Telemetry } from "bullmq";
import type { Config } from "../config";
import type { Logger } from "../logger";

export type Tracing = {
  /** For BullMQ's Queue and Worker `telemetry` option: spans for adds and processing, context carried in jobs. */
  telemetry: Telemetry;
  /** Flushes the spans still buffered; call last in the shutdown. */
  shutdown: () => Promise<void>;
};

type TracingConfig = Pick<Config, "OTEL_EXPORTER_OTLP_ENDPOINT" | "OTEL_EXPORTER_OTLP_HEADERS" | "OTEL_SERVICE_NAME">;

/**
 * Starts OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, and returns null otherwise. The SDK, the
 * OTLP exporter and bullmq-otel are imported only then, so a process without tracing loads none of them; the
 * spans Switchyard creates go through @opentelemetry/api, which does nothing while no provider is registered.
 */
export async function startTracing(config: TracingConfig, service: string, logger: Logger): Promise<Tracing | null> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined) return null;
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BullMQOtel },
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("bullmq-otel"),
  ]);
  const serviceName = config.OTEL_SERVICE_NAME ?? `switchyard-${service}`;
  // As the OTLP spec has it: the base endpoint gets the signal's path; the http exporter speaks OTLP/JSON.
  const exporter = new OTLPTraceExporter({
    url: `${endpoint.replace(/\/+$/, "")}/v1/traces`,
    headers: parseHeaders(config.OTEL_EXPORTER_OTLP_HEADERS),
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  logger.info("tracing enabled", { serviceName, endpoint });
  return {
    telemetry: new BullMQOtel({ tracerName: serviceName }),
    shutdown: () => provider.shutdown(),
  };
}

/** OTEL_EXPORTER_OTLP_HEADERS: key=value pairs, values percent-encoded. */
function parseHeaders(pairs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const value = pair.slice(at + 1).trim();
    headers[pair.slice(0, at).trim()] = safeDecode(value);
  }
  return headers;
}

/** A value that is not valid percent-encoding is sent as written. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
