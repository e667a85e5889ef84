// Live workers (GET /api/system/workers, from their heartbeats), routing queues, queue depth and runs finished per
// minute.
import { BULL_BOARD, fmtTime, getJson, getOptional, html, shortId } from "./lib.js";

function Workers({ workers }) {
  if (workers === null || workers.length === 0) return html`<p class="muted empty">No live workers reported.</p>`;
  return html`<table class="workers">
    <thead>
      <tr>
        <th>Worker</th>
        <th>Host</th>
        <th>PID</th>
        <th>Concurrency</th>
        <th>Queues</th>
        <th>Active runs</th>
        <th>Started</th>
        <th>Last heartbeat</th>
      </tr>
    </thead>
    <tbody>
      ${workers.map(
        (w) =>
          html`<tr>
            <td class="mono">${w.id}</td>
            <td>${w.host}</td>
            <td>${w.pid}</td>
            <td>${w.active_runs.length} / ${w.concurrency}</td>
            <td class="mono">${(w.queues ?? []).join(", ")}</td>
            <td>
              ${w.active_runs.length === 0 ? "–" : w.active_runs.map((id) => html`<a class="mono" href=${`#/runs/${id}`}>${shortId(id)}</a> `)}
            </td>
            <td>${fmtTime(w.started_at)}</td>
            <td>${fmtTime(w.last_heartbeat_at)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Routing queues (WORKER_QUEUES, workflows' routing): a backlog no live worker consumes is flagged. */
function RoutingQueues({ routing }) {
  if (!routing || routing.length === 0) return html`<p class="muted empty">No routing queues.</p>`;
  return html`<table class="routing-queues">
    <thead>
      <tr>
        <th>Queue</th>
        <th>Backlog</th>
        <th>Delayed</th>
        <th>Active</th>
        <th>Consumers</th>
      </tr>
    </thead>
    <tbody>
      ${routing.map(
        (q) =>
          html`<tr class=${q.no_consumer ? "no-consumer" : ""}>
            <td class="mono">${q.queue}</td>
            <td class="num">${q.backlog ?? "?"}</td>
            <td class="num">${q.delayed ?? "?"}</td>
            <td class="num">${q.active ?? "?"}</td>
            <td>
              ${
                q.no_consumer
                  ? html`<span class="badge error-text">no consumer</span>`
                  : q.consumers.length === 0
                    ? "–"
                    : html`<span class="mono">${q.consumers.join(", ")}</span>`
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const STATES = ["waiting", "prioritized", "delayed", "active", "completed", "failed"];

function Queues({ queues }) {
  return html`<table class="queues">
    <thead>
      <tr>
        <th>Queue</th>
        ${STATES.map((s) => html`<th>${s}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${queues.map(
        (q) =>
          html`<tr>
            <td class="mono">${q.name}</td>
            ${
              q.counts === null
                ? html`<td colspan=${STATES.length} class="error-text">unavailable: ${q.error}</td>`
                : STATES.map((s) => html`<td class="num">${q.counts[s]}</td>`)
            }
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Runs finished per minute as stacked bars (succeeded, failed, cancelled). */
function Throughput({ throughput }) {
  const mins = throughput.per_minute;
  const max = Math.max(1, ...mins.map((m) => m.succeeded + m.failed + m.cancelled));
  const bw = 10;
  const hgt = 90;
  const width = mins.length * (bw + 2);
  return html`<p>
      ${throughput.finished_per_minute} runs finished per minute over the last ${throughput.window_minutes} minutes
      (peak ${max === 1 && mins.every((m) => m.succeeded + m.failed + m.cancelled === 0) ? 0 : max}).
    </p>
    <svg
      class="throughput"
      role="img"
      aria-label="runs finished per minute"
      viewBox=${`0 0 ${width} ${hgt + 16}`}
      width=${width}
      height=${hgt + 16}
    >
      ${mins.map((m, i) => {
        let y = hgt;
        return ["succeeded", "failed", "cancelled"].map((k) => {
          const h = (m[k] / max) * hgt;
          y -= h;
          return h > 0
            ? html`<rect class=${`bar-${k}`} x=${i * (bw + 2)} y=${y} width=${bw} height=${h}
                ><title>${`${fmtTime(m.minute)}: ${m[k]} ${k}`}</title></rect
              >`
            : null;
        });
      })}
      <line x1="0" y1=${hgt} x2=${width} y2=${hgt} class="axis" />
      <text x="0" y=${hgt + 13} class="small">${fmtTime(mins[0]?.minute)}</text>
      <text x=${width} y=${hgt + 13} text-anchor="end" class="small">now</text>
    </svg>
    <p class="legend small">
      <span class="key bar-succeeded"></span> succeeded <span class="key bar-failed"></span> failed
      <span class="key bar-cancelled"></span> cancelled
    </p>`;
}

export const systemPage = {
  title: "Workers & queues",
  async load() {
    const [workers, system] = await Promise.all([getOptional("/system/workers"), getJson("/system/queues")]);
    return { workers: workers?.workers ?? null, ...system.body };
  },
  poll: () => 5000,
  view({ data }) {
    return html`<h1>Workers & queues</h1>
      <section>
        <h2>Live workers</h2>
        <${Workers} workers=${data.workers} />
      </section>
      <section>
        <h2>Routing queues</h2>
        <${RoutingQueues} routing=${data.routing} />
        <p class="small">
          Workers consume the queues in their WORKER_QUEUES; a queue with a backlog and no live consumer waits for one.
        </p>
      </section>
      <section>
        <h2>BullMQ queues</h2>
        <${Queues} queues=${data.queues} />
        <p class="small">Jobs in detail, retries and cleanup: <a href=${BULL_BOARD}>Bull Board ↗</a></p>
      </section>
      <section>
        <h2>Throughput</h2>
        <${Throughput} throughput=${data.throughput} />
      </section>`;
  },
};
