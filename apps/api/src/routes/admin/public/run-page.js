// One run: status timeline, graph, steps with inputs and outputs, errors per attempt, audit log, actions.
import { GraphPicture } from "./graph.js";
import {
  API,
  ApiError,
  Badge,
  ErrorBox,
  Json,
  TERMINAL,
  fmtDuration,
  fmtTime,
  getJson,
  html,
  post,
  pretty,
  queryString,
  shortId,
} from "./lib.js";

const CHILD_STATUSES = ["pending", "running", "waiting", "succeeded", "failed", "cancelled"];

/** The run's child runs: counts by status, then a page of them (newest first) with links. */
function ChildRuns({ run, children, next, query }) {
  const counts = run.children;
  if (!counts || counts.total === 0) return null;
  const pageWith = (cursor) => `#/runs/${run.id}${queryString({ children_cursor: cursor })}`;
  return html`<section class="children">
    <h2>Child runs</h2>
    <p>
      ${counts.total} in all:
      ${CHILD_STATUSES.filter((s) => counts[s] > 0).map(
        (s) => html` <span class="child-count"><${Badge} status=${s} /> ${counts[s]}</span>`,
      )}
    </p>
    <table class="runs">
      <thead>
        <tr>
          <th>Run</th>
          <th>Item</th>
          <th>Status</th>
          <th>Created</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        ${children.map(
          (c) =>
            html`<tr data-child=${c.id}>
              <td><a href=${`#/runs/${c.id}`} class="mono">${shortId(c.id)}</a></td>
              <td>${c.input_payload?.index ?? ""}</td>
              <td><${Badge} status=${c.status} /></td>
              <td>${fmtTime(c.created_at)}</td>
              <td class="error-text">${c.error ?? ""}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p>
      ${query.children_cursor && html`<a class="button secondary" href=${pageWith(undefined)}>Newest</a>`}
      ${next && html`<a class="button secondary" href=${pageWith(next)}>Older →</a>`}
    </p>
  </section>`;
}

const ERROR_ACTIONS = ["run_failed", "run_retry_scheduled", "run_requeued"];

/** Why a pending run waits (`blocked_by`, docs/flow-control.md). */
const BLOCKED_TEXT = {
  concurrency: "a concurrency slot (the workflow's limits are reached)",
  rate_limit: "its rate limit window (starts at the time above)",
};

/** Attempt numbers along the audit log: each run_started begins the next attempt (a resume keeps it). */
function errorsPerAttempt(run, steps) {
  const byAttempt = new Map();
  const at = (n) => byAttempt.get(n) ?? byAttempt.set(n, []).get(n);
  let attempt = 0;
  for (const a of run.audit_log) {
    if (a.action === "run_started") attempt += 1;
    if (ERROR_ACTIONS.includes(a.action) && a.metadata?.error) {
      at(Math.max(attempt, 1)).push({ source: a.action, error: a.metadata.error, at: a.at });
    }
  }
  for (const s of steps)
    if (s.status === "failed") at(s.attempt).push({ source: `node ${s.node_id}`, error: s.error, at: s.finished_at });
  return [...byAttempt].sort((a, b) => a[0] - b[0]);
}

export const runPage = {
  title: "Run",
  async load({ params: [id], query }) {
    const [run, steps, children] = await Promise.all([
      getJson(`/runs/${id}`),
      getJson(`/runs/${id}/steps`),
      getJson(`/runs${queryString({ parent: id, limit: 25, cursor: query.children_cursor })}`),
    ]);
    const wid = run.body.workflow_id;
    const [workflow, versions] = await Promise.all([
      getJson(`/workflows/${wid}`),
      getJson(`/workflows/${wid}/versions`),
    ]);
    const version = versions.body.find((v) => v.id === run.body.workflow_version_id) ?? null;
    return {
      run: run.body,
      steps: steps.body,
      workflow: workflow.body,
      version,
      children: children.body,
      childrenNext: children.headers.get("X-Next-Cursor"),
    };
  },
  // A live run's page updates from its event stream (GET /admin/api/runs/{id}/events), not by polling: each change
  // (a burst of them at once, its children's `child` events included) reloads the page's data once.
  followKey: ([id]) => id,
  follow({ params: [id], data, onChange }) {
    if (TERMINAL.includes(data.run.status)) return null;
    const events = new EventSource(`${API}/runs/${encodeURIComponent(id)}/events`);
    let timer;
    // The stream opens with the run's history (one reload, for whatever changed since the page read it), then each
    // change as it happens.
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, 50);
    };
    for (const type of ["status", "step", "log", "child"]) events.addEventListener(type, changed);
    events.addEventListener("end", () => {
      // The server closes the stream after `end`; without this the browser would open it again.
      events.close();
      changed();
    });
    return () => {
      clearTimeout(timer);
      events.close();
    };
  },
  view({ data, query, ui }) {
    const { run, steps, workflow, version } = data;
    const graph = version?.graph ?? { nodes: [], edges: [] };
    const nodes = new Map((graph.nodes ?? []).map((n) => [n.id, n]));
    const latest = {};
    for (const s of steps) latest[s.node_id] = s.status;
    const act = async (what, fn) => {
      ui.setLocal({ actionError: null, busy: what });
      try {
        await fn();
      } catch (err) {
        ui.setLocal({ actionError: err, busy: null });
        return;
      }
      ui.setLocal({ busy: null });
    };
    const cancel = () =>
      window.confirm(`Cancel run ${shortId(run.id)}?`) &&
      act("cancel", async () => {
        await post(`/runs/${run.id}/cancel`, { reason: "cancelled from the dashboard" });
        ui.flash("Run cancelled.");
        await ui.refresh();
      });
    const retry = () =>
      act("retry", async () => {
        const created = await post(`/runs/${run.id}/retry`);
        ui.navigate(`#/runs/${created.id}`);
        ui.flash(`Retry started: run ${shortId(created.id)}.`);
      });
    const rerun = (e) => {
      e.preventDefault();
      const text = String(new FormData(e.currentTarget).get("input_payload") ?? "");
      let input;
      try {
        input = JSON.parse(text);
      } catch (err) {
        return ui.setLocal({ actionError: new ApiError(0, `The input is not valid JSON: ${err.message}`) });
      }
      act("rerun", async () => {
        const created = await post(`/runs/${run.id}/rerun`, { input_payload: input });
        ui.navigate(`#/runs/${created.id}`);
        ui.flash(`New run ${shortId(created.id)} started with the edited input.`);
      });
    };
    const busy = ui.local.busy;
    const attempts = errorsPerAttempt(run, steps);
    return html`<h1>Run <span class="mono">${run.id}</span> <${Badge} status=${run.status} /></h1>
      <dl class="meta">
        <dt>Workflow</dt>
        <dd><a href=${`#/workflows/${workflow.id}`}>${workflow.name}</a></dd>
        <dt>Version</dt>
        <dd>${version ? `v${version.version}` : shortId(run.workflow_version_id)}</dd>
        <dt>Triggered by</dt>
        <dd>${run.triggered_by}</dd>
        <dt>Attempt</dt>
        <dd>${run.attempt}</dd>
        <dt>Created</dt>
        <dd>${fmtTime(run.created_at)}</dd>
        <dt>Started</dt>
        <dd>${fmtTime(run.started_at)}</dd>
        <dt>Completed</dt>
        <dd>${fmtTime(run.completed_at)}</dd>
        <dt>Duration</dt>
        <dd>${fmtDuration(run.started_at, run.completed_at)}</dd>
        ${
          run.parent_run_id &&
          html`<dt>Parent run</dt>
            <dd><a href=${`#/runs/${run.parent_run_id}`} class="mono">${shortId(run.parent_run_id)}</a></dd>`
        }
        ${
          run.root_run_id !== run.id &&
          run.root_run_id !== run.parent_run_id &&
          html`<dt>Root run</dt>
            <dd><a href=${`#/runs/${run.root_run_id}`} class="mono">${shortId(run.root_run_id)}</a></dd>`
        }
        ${
          run.retry_of &&
          html`<dt>Retry of</dt>
            <dd><a href=${`#/runs/${run.retry_of}`} class="mono">${shortId(run.retry_of)}</a></dd>`
        }
        ${
          run.run_at &&
          html`<dt>Runs at</dt>
            <dd>${fmtTime(run.run_at)}</dd>`
        }
        ${
          run.blocked_by &&
          html`<dt>Waiting for</dt>
            <dd class="blocked-by">${BLOCKED_TEXT[run.blocked_by] ?? run.blocked_by}</dd>`
        }
      </dl>
      <section class="actions" aria-label="run actions">
        ${
          !TERMINAL.includes(run.status) &&
          html`<button class="danger" onClick=${cancel} disabled=${busy !== null && busy !== undefined}>
            Cancel run
          </button>`
        }
        ${
          (run.status === "failed" || run.status === "cancelled") &&
          html`<button onClick=${retry} disabled=${Boolean(busy)}>Retry</button>`
        }
        <details class="rerun">
          <summary>Re-run with edited input</summary>
          <form onSubmit=${rerun}>
            <textarea
              name="input_payload"
              rows="8"
              spellcheck="false"
              defaultValue=${pretty(run.input_payload)}
            ></textarea>
            <button type="submit" disabled=${Boolean(busy)}>Start a new run</button>
          </form>
        </details>
        <${ErrorBox} error=${ui.local.actionError} />
      </section>
      <div class="columns">
        <section>
          <h2>Status timeline</h2>
          <ol class="timeline">
            ${run.audit_log.map(
              (a) =>
                html`<li class=${`tl-${a.action}`}>
                  <span class="tl-dot"></span>
                  <span class="tl-action">${a.action.replace(/^run_/, "").replace(/_/g, " ")}</span>
                  <span class="muted"> by ${a.actor}</span>
                  <div class="muted small">${fmtTime(a.at)} · +${fmtDuration(run.created_at, a.at)}</div>
                </li>`,
            )}
          </ol>
        </section>
        <section class="grow">
          <h2>Graph</h2>
          <div class="graph-box"><${GraphPicture} graph=${graph} statusByNode=${latest} /></div>
        </section>
      </div>
      <${ChildRuns} run=${run} children=${data.children} next=${data.childrenNext} query=${query} />
      <section>
        <h2>Steps</h2>
        ${
          steps.length === 0
            ? html`<p class="muted">No steps recorded${run.status === "pending" ? " yet" : ""}.</p>`
            : html`<table class="steps">
                <thead>
                  <tr>
                    <th>Node</th>
                    <th>Type</th>
                    <th>Attempt</th>
                    <th>Status</th>
                    <th>Input (params)</th>
                    <th>Output</th>
                    <th>Finished</th>
                    <th>Took</th>
                  </tr>
                </thead>
                <tbody>
                  ${steps.map(
                    (s) =>
                      html`<tr data-step=${s.node_id}>
                        <td class="mono">${s.node_id}</td>
                        <td>${nodes.get(s.node_id)?.type ?? "?"}</td>
                        <td>${s.attempt}</td>
                        <td><${Badge} status=${s.status} /></td>
                        <td><${Json} value=${nodes.get(s.node_id)?.params ?? {}} /></td>
                        <td class="output">
                          ${s.error ? html`<div class="error-text">${s.error}</div>` : html`<${Json} value=${s.output} />`}
                          ${
                            s.log !== null &&
                            html`<div class="muted small">log:</div>
                              <${Json} value=${s.log} />`
                          }
                        </td>
                        <td>${fmtTime(s.finished_at)}</td>
                        <td>${fmtDuration(s.started_at, s.finished_at)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
      <section>
        <h2>Errors per attempt</h2>
        ${
          attempts.length === 0
            ? html`<p class="muted">No errors.</p>`
            : html`<ul class="attempts">
                ${attempts.map(
                  ([n, errors]) =>
                    html`<li>
                      <strong>Attempt ${n}</strong>
                      <ul>
                        ${errors.map((e) => html`<li><span class="muted">${fmtTime(e.at)} ${e.source}:</span> <span class="error-text">${e.error}</span></li>`)}
                      </ul>
                    </li>`,
                )}
              </ul>`
        }
      </section>
      <div class="columns">
        <section class="grow">
          <h2>Input</h2>
          <${Json} value=${run.input_payload} open=${true} />
        </section>
        <section class="grow">
          <h2>${run.error ? "Error" : "Output"}</h2>
          ${run.error ? html`<div class="error-text">${run.error}</div>` : html`<${Json} value=${run.output_payload} open=${true} />`}
        </section>
      </div>
      <section>
        <h2>Audit log</h2>
        <table class="audit">
          <thead>
            <tr>
              <th>At</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            ${run.audit_log.map(
              (a) =>
                html`<tr>
                  <td>${fmtTime(a.at)}</td>
                  <td>${a.actor}</td>
                  <td>${a.action}</td>
                  <td>${Object.keys(a.metadata ?? {}).length > 0 ? html`<${Json} value=${a.metadata} />` : ""}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>`;
  },
};
