// One workflow: its versions (graph picture, diff between two), webhook URL and config, flow limits, cron schedule
// and outcomes.
import { GraphPicture } from "./graph.js";
import { Badge, ErrorBox, Json, fmtTime, getJson, getOptional, html, shortId } from "./lib.js";

const OUTCOME_TEXT = {
  fired: "fired",
  skipped_overlap: "held by the overlap guard",
  caught_up: "caught up (passed over)",
  missed: "missed (outside the grace window)",
  already_fired: "already had a run",
};

function versionLine(v) {
  return `v${v.version} by ${v.created_by}, ${fmtTime(v.created_at)}${v.notes ? ` · ${v.notes}` : ""}`;
}

function Versions({ versions, ui }) {
  if (versions.length === 0) return html`<p class="muted">No versions yet.</p>`;
  const latest = versions.at(-1).version;
  const shown = ui.local.shown ?? latest;
  const version = versions.find((v) => v.version === shown) ?? versions.at(-1);
  const showDiff = async (e) => {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    try {
      const d = (await getJson(`/workflows/${version.workflow_id}/versions/${fd.get("base")}/diff/${fd.get("target")}`))
        .body;
      ui.setLocal({ diff: d, diffError: null });
    } catch (err) {
      ui.setLocal({ diffError: err });
    }
  };
  const diff = ui.local.diff;
  return html`<div class="version-tabs" role="tablist">
      ${versions.map(
        (v) =>
          html`<button
            role="tab"
            aria-selected=${v.version === version.version}
            class=${v.version === version.version ? "tab active" : "tab"}
            onClick=${() => ui.setLocal({ shown: v.version })}
          >
            v${v.version}
          </button>`,
      )}
    </div>
    <p class="muted small">${versionLine(version)}</p>
    <div class="graph-box"><${GraphPicture} graph=${version.graph} /></div>
    <details>
      <summary>Graph JSON</summary>
      <${Json} value=${version.graph} open=${true} />
    </details>
    ${
      versions.length > 1 &&
      html`<form class="inline" onSubmit=${showDiff}>
        <label
          >Diff from
          <select name="base">
            ${versions.map((v) => html`<option value=${v.version} selected=${v.version === latest - 1}>v${v.version}</option>`)}
          </select></label
        >
        <label
          >to
          <select name="target">
            ${versions.map((v) => html`<option value=${v.version} selected=${v.version === latest}>v${v.version}</option>`)}
          </select></label
        >
        <button type="submit">Show diff</button>
      </form>`
    }
    <${ErrorBox} error=${ui.local.diffError} />
    ${
      diff &&
      html`<pre class="diff">
${
          diff.diff.length === 0
            ? `v${diff.base_version} and v${diff.target_version} have the same graph.`
            : diff.diff.map(
                (l) =>
                  html`<span
                    class=${l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@@") ? "hunk" : ""}
                    >${l}
                  </span>`,
              )
        }</pre>`
    }`;
}

function Cron({ cron, config }) {
  if (cron === null) return html`<p class="muted">No cron trigger.</p>`;
  return html`<dl class="meta">
      <dt>Expression</dt>
      <dd class="mono">${cron.expression}</dd>
      <dt>Timezone</dt>
      <dd>${cron.timezone}</dd>
      <dt>Catch-up</dt>
      <dd>${config?.catchup ?? "–"}</dd>
      <dt>Overlapping</dt>
      <dd>${config?.allow_overlapping ? "allowed" : "not allowed"}</dd>
      <dt>Window</dt>
      <dd>
        ${config?.start_at ? fmtTime(config.start_at) : "open"} → ${config?.end_at ? fmtTime(config.end_at) : "open"}
      </dd>
      <dt>Last dispatched</dt>
      <dd>${fmtTime(cron.last_dispatched_at)}</dd>
      <dt>Expect</dt>
      <dd>${config?.expect ? `a succeeded run within ${config.expect.within_seconds} s` : "–"}</dd>
    </dl>
    ${
      cron.missed?.length > 0 &&
      html`<h3>Missed (cron.missed)</h3>
        <table class="occurrences missed">
          <thead>
            <tr>
              <th>Scheduled for (${cron.timezone})</th>
              <th>Reason</th>
              <th>Run</th>
              <th>Raised</th>
            </tr>
          </thead>
          <tbody>
            ${cron.missed.map(
              (m) =>
                html`<tr>
                  <td>${m.local}</td>
                  <td><span class="badge badge-failed">${m.reason.replace("_", " ")}</span></td>
                  <td>
                    ${m.run_id ? html`<a class="mono" href=${`#/runs/${m.run_id}`}>${shortId(m.run_id)}</a>` : "–"}
                  </td>
                  <td>${fmtTime(m.raised_at)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
    }
    <div class="columns">
      <div>
        <h3>Next ${cron.next_fire_times.length} fire times</h3>
        <ol class="fire-times">
          ${cron.next_fire_times.map((t) => html`<li><strong>${t.local}</strong> <span class="muted small">${fmtTime(t.at)}</span></li>`)}
        </ol>
      </div>
      <div class="grow">
        <h3>Recent occurrences</h3>
        ${
          cron.occurrences.length === 0
            ? html`<p class="muted">None decided yet.</p>`
            : html`<table class="occurrences">
                <thead>
                  <tr>
                    <th>Scheduled for (${cron.timezone})</th>
                    <th>Outcome</th>
                    <th>Run</th>
                    <th>Decided</th>
                  </tr>
                </thead>
                <tbody>
                  ${cron.occurrences.map(
                    (o) =>
                      html`<tr>
                        <td>
                          ${o.local}${o.covers_until && html`<div class="muted small">up to ${o.covers_until_local} (exclusive)</div>`}
                        </td>
                        <td>
                          <span class=${`badge outcome-${o.outcome}`}>${OUTCOME_TEXT[o.outcome] ?? o.outcome}</span>
                          ${o.overlap_holds > 0 && o.outcome !== "skipped_overlap" && html`<div class="muted small">held ${o.overlap_holds}× by the overlap guard first</div>`}
                        </td>
                        <td>
                          ${o.run_id ? html`<a class="mono" href=${`#/runs/${o.run_id}`}>${shortId(o.run_id)}</a>` : "–"}
                        </td>
                        <td>${fmtTime(o.decided_at)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </div>
    </div>`;
}

function FlowLimits({ concurrency, rateLimit, routing }) {
  const c = concurrency ?? {};
  // Plain text outside the template: htm drops the space before a wrapped line.
  const rate = rateLimit ? `${rateLimit.limit} per ${rateLimit.interval_seconds} s` : "no limit";
  return html`<dl class="meta flow-limits">
    <dt>Running at once</dt>
    <dd>${c.max_running ?? "no limit"}</dd>
    <dt>Per key</dt>
    <dd>${c.key ? html`${c.max_running_per_key} per <code>${c.key}</code>` : "no limit"}</dd>
    <dt>Start rate</dt>
    <dd>${rate}${rateLimit?.key && html` per <code>${rateLimit.key}</code>`}</dd>
    <dt>Queue</dt>
    <dd class="routing-queue"><code>${routing?.queue ?? "default"}</code></dd>
    <dt>Priority</dt>
    <dd class="routing-priority">${routing?.priority ?? 5} <span class="muted small">(1 first)</span></dd>
  </dl>`;
}

export const workflowPage = {
  title: "Workflow",
  async load({ params: [ref] }) {
    const workflow = (await getJson(`/workflows/${encodeURIComponent(ref)}`)).body;
    const id = workflow.id;
    const [versions, webhook, cron, cronConfig, runs, concurrency, rateLimit, routing] = await Promise.all([
      getJson(`/workflows/${id}/versions`).then((r) => r.body),
      getJson(`/workflows/${id}/triggers/webhook/config`).then((r) => r.body),
      getOptional(`/workflows/${id}/triggers/cron/occurrences?limit=20`),
      getOptional(`/workflows/${id}/triggers/cron/config`),
      getJson(`/runs?workflow=${id}&limit=10`).then((r) => r.body),
      getOptional(`/workflows/${id}/concurrency`),
      getOptional(`/workflows/${id}/rate-limit`),
      getOptional(`/workflows/${id}/routing`),
    ]);
    return { workflow, versions, webhook, cron, cronConfig, runs, concurrency, rateLimit, routing };
  },
  view({ data, ui }) {
    const { workflow, versions, webhook, cron, cronConfig, runs, concurrency, rateLimit, routing } = data;
    const url = `${location.origin}/api/workflows/${encodeURIComponent(workflow.handle ?? workflow.id)}/triggers/webhook`;
    return html`<h1>${workflow.name} ${workflow.is_archived && html`<span class="badge">archived</span>`}</h1>
      <dl class="meta">
        <dt>Id</dt>
        <dd class="mono">${workflow.id}</dd>
        <dt>Handle</dt>
        <dd class="mono">${workflow.handle ?? "–"}</dd>
        <dt>Description</dt>
        <dd>${workflow.description ?? "–"}</dd>
        <dt>Tags</dt>
        <dd>${(workflow.tags ?? []).join(", ") || "–"}</dd>
      </dl>
      <section>
        <h2>Versions</h2>
        <${Versions} versions=${versions} ui=${ui} />
      </section>
      <section>
        <h2>Webhook</h2>
        <p>
          URL: <code class="copy">${url}</code>
          <span class="muted small">(${(webhook.allowed_methods ?? []).join(", ")})</span>
        </p>
        <details>
          <summary>Config</summary>
          <${Json} value=${webhook} open=${true} />
        </details>
        <p>
          <a href=${`#/workflows/${encodeURIComponent(workflow.handle ?? workflow.id)}/inbox`}
            >Inbox: every delivery, its raw request, Replay →</a
          >
        </p>
      </section>
      <section>
        <h2>Flow control</h2>
        <${FlowLimits} concurrency=${concurrency} rateLimit=${rateLimit} routing=${routing} />
      </section>
      <section>
        <h2>Cron</h2>
        <${Cron} cron=${cron} config=${cronConfig} />
      </section>
      <section>
        <h2>Recent runs</h2>
        ${
          runs.length === 0
            ? html`<p class="muted">No runs yet.</p>`
            : html`<ul class="recent">
                ${runs.map(
                  (r) =>
                    html`<li>
                      <a class="mono" href=${`#/runs/${r.id}`}>${shortId(r.id)}</a>
                      <${Badge} status=${r.status} /> ${r.triggered_by} · ${fmtTime(r.created_at)}
                    </li>`,
                )}
              </ul>`
        }
        <p><a href=${`#/runs?workflow=${workflow.id}`}>All runs of this workflow →</a></p>
      </section>`;
  },
};
