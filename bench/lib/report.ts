/** A figure with its target, as the summary table shows it. */
export type Check = { scenario: string; figure: string; value: number | null; target: string; met: boolean | null };

type Figures = Record<string, unknown> & { scenario: string };

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const at = (o: unknown, ...keys: string[]): number | null => {
  let v: unknown = o;
  for (const k of keys) v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return num(v);
};

const atLeast = (scenario: string, figure: string, value: number | null, min: number): Check => ({
  scenario,
  figure,
  value,
  target: `>= ${min}`,
  met: value === null ? null : value >= min,
});
const atMost = (scenario: string, figure: string, value: number | null, max: number): Check => ({
  scenario,
  figure,
  value,
  target: `<= ${max}`,
  met: value === null ? null : value <= max,
});
const info = (scenario: string, figure: string, value: number | null): Check => ({
  scenario,
  figure,
  value,
  target: "",
  met: null,
});

/** The targets, checked against one bench run's figures. */
export function checkTargets(results: readonly Figures[]): Check[] {
  const checks: Check[] = [];
  for (const r of results) {
    const s = r.scenario;
    switch (s) {
      case "raw-bullmq":
        checks.push(info(s, "added/s", at(r, "added_per_s")), info(s, "processed/s", at(r, "processed_per_s")));
        break;
      case "webhook-e2e":
      case "webhook-e2e-streams-open":
        if (s === "webhook-e2e-streams-open") {
          checks.push(
            info(s, "run event streams open", at(r, "streams_open")),
            atLeast(s, "streams ended ÷ open", (at(r, "streams_ended") ?? 0) / (at(r, "streams_open") ?? 1), 1),
          );
        }
        checks.push(
          info(s, "accepted/s", at(r, "accepted_per_s")),
          atLeast(s, "completed/s", at(r, "completed_per_s"), 1500),
          atLeast(s, "ratio_to_raw", at(r, "ratio_to_raw"), 0.08),
          ...["api", "worker", "postgres", "redis"].map((p) =>
            info(s, `CPU ms per run: ${p}`, at(r, "cpu_ms_per_run", p)),
          ),
        );
        break;
      case "webhook-e2e-subscribed":
        checks.push(
          info(s, "completed/s", at(r, "completed_per_s")),
          atLeast(s, "ratio_to_webhook_e2e", at(r, "ratio_to_webhook_e2e"), 0.85),
          info(s, "plain passes completed/s, before", at(r, "plain_completed_per_s", "0")),
          info(s, "plain passes completed/s, after", at(r, "plain_completed_per_s", "1")),
          info(s, "ratio to the run's first webhook-e2e", at(r, "ratio_to_first_webhook_e2e")),
          atLeast(s, "events received ÷ accepted", (at(r, "events_received") ?? 0) / (at(r, "accepted") ?? 1), 1),
          info(s, "delivered/s", at(r, "delivered_per_s")),
          info(s, "delivery tail ms", at(r, "delivery_tail_ms")),
          ...["api", "worker", "postgres", "redis", "load_generator"].map((p) =>
            info(s, `CPU ms per delivery: ${p}`, at(r, "cpu_ms_per_delivery", p)),
          ),
        );
        break;
      case "keyed-concurrency":
        checks.push(
          info(s, "completed/s", at(r, "completed_per_s")),
          atLeast(s, "ratio_to_unlimited", at(r, "ratio_to_unlimited"), 0.7),
          atMost(s, "max running per key seen", at(r, "max_running_per_key_seen"), 1),
        );
        break;
      case "latency":
      case "latency-streams-open":
        checks.push(
          atMost(s, "request p99 ms", at(r, "request_ms", "p99"), 20),
          info(s, "request p50 ms", at(r, "request_ms", "p50")),
          atMost(s, "trigger-to-start p50 ms", at(r, "trigger_to_start_ms", "p50"), 10),
          atMost(s, "trigger-to-start p99 ms", at(r, "trigger_to_start_ms", "p99"), 50),
          info(s, "trigger-to-finish p99 ms", at(r, "trigger_to_finish_ms", "p99")),
          info(s, "load generator send lag p99 ms", at(r, "send_lag_ms", "p99")),
        );
        break;
      case "cron-burst":
        checks.push(
          atMost(s, "tick to 10,000 created s", at(r, "tick_to_created_s"), 2),
          info(s, "tick to all succeeded s", at(r, "tick_to_succeeded_s")),
        );
        break;
      case "list-runs":
        checks.push(
          atMost(s, "first page p99 ms", at(r, "first_page_ms", "p99"), 20),
          atMost(s, "deep cursor page p99 ms", at(r, "deep_page_ms", "p99"), 20),
          atMost(s, "GET run p99 ms", at(r, "get_run_ms", "p99"), 20),
        );
        break;
      case "code-node":
        checks.push(
          info(s, "set completed/s", at(r, "set_completed_per_s")),
          info(s, "code completed/s", at(r, "code_completed_per_s")),
          info(s, "ratio_to_set", at(r, "ratio_to_set")),
          info(s, "CPU ms per run: worker, set", at(r, "cpu_ms_per_run", "set", "worker")),
          info(s, "CPU ms per run: worker, code", at(r, "cpu_ms_per_run", "code", "worker")),
        );
        break;
      case "fan-out":
        checks.push(
          atMost(s, "10,000 children, parent s", at(r, "parent_seconds"), 10),
          atLeast(s, "children/s", at(r, "children_per_s"), 1000),
          atLeast(s, "ratio_to_webhook_e2e", at(r, "ratio_to_webhook_e2e"), 0.5),
        );
        break;
      case "inbox-flood":
        checks.push(
          info(s, "rejected/s", at(r, "rejected_per_s")),
          info(s, "accepted/s", at(r, "accepted_per_s")),
          atLeast(s, "rejected/s ÷ accepted/s", at(r, "rejected_to_accepted"), 1),
          atMost(s, "unexpected answers", at(r, "unexpected"), 0),
          atMost(s, "inbox rejected kept", at(r, "inbox_rejected_kept"), at(r, "inbox_rejected_allowed") ?? 0),
        );
        break;
      case "events":
        checks.push(
          atMost(s, "commit-to-event p50 ms", at(r, "commit_to_event_ms", "p50"), 10),
          atMost(s, "commit-to-event p99 ms", at(r, "commit_to_event_ms", "p99"), 50),
          info(s, "peak open streams", at(r, "peak_open_streams")),
          ...["api", "worker", "postgres", "redis", "load_generator"].map((p) =>
            info(s, `CPU ms per run: ${p}`, at(r, "cpu_ms_per_run", p)),
          ),
        );
        break;
      case "sync-webhook":
        checks.push(
          atMost(s, "wait-mode request p50 ms", at(r, "request_ms", "p50"), 15),
          atMost(s, "wait-mode request p99 ms", at(r, "request_ms", "p99"), 60),
          atMost(s, "api RSS added by 5,000 waiting MB", at(r, "api_rss_added_mb"), 100),
        );
        break;
      case "memory":
        checks.push(
          atMost(s, "api peak RSS MB", at(r, "api_peak_rss_mb"), 200),
          atMost(s, "worker peak RSS MB", at(r, "worker_peak_rss_mb"), 200),
        );
        break;
    }
  }
  return checks;
}

/** A Markdown table (it reads as well in a terminal as in docs/performance.md). */
export function formatTable(checks: readonly Check[]): string {
  const rows = checks.map((c) => [
    c.scenario,
    c.figure,
    c.value === null ? "-" : String(c.value),
    c.target,
    c.met === null ? "" : c.met ? "yes" : "no",
  ]);
  const header = ["scenario", "figure", "value", "target", "met"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
