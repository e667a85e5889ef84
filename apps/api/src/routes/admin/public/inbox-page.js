// A workflow's webhook inbox: every delivery (accepted or rejected) with its outcome and reason, one entry's raw
// request (method, path, query, headers, body), and Replay, which creates a new run from it (admin only).
import { ApiError, ErrorBox, getJson, html, post, queryString, shortId, fmtTime } from "./lib.js";

function Outcome({ entry }) {
  return html`<span class=${`badge ${entry.outcome === "accepted" ? "badge-succeeded" : "badge-failed"}`}>
    ${entry.outcome} ${entry.status}
  </span>`;
}

function Entry({ entry, ui }) {
  const { busy, actionError } = ui.local;
  const replay = async () => {
    ui.setLocal({ busy: true, actionError: null });
    try {
      const created = await post(`/inbox/${entry.id}/replay`);
      ui.navigate(`#/runs/${created.id}`);
      ui.flash(`Replayed into run ${shortId(created.id)}.`);
    } catch (err) {
      ui.setLocal({ busy: false, actionError: err });
    }
  };
  const headers = Object.entries(entry.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
  return html`<section class="inbox-entry">
    <h2>Delivery <span class="mono">${shortId(entry.id)}</span> <${Outcome} entry=${entry} /></h2>
    <dl class="meta">
      <dt>Received</dt>
      <dd>${fmtTime(entry.received_at)}</dd>
      <dt>Reason</dt>
      <dd>${entry.reason ?? "–"}</dd>
      <dt>Run</dt>
      <dd>
        ${entry.run_id ? html`<a class="mono" href=${`#/runs/${entry.run_id}`}>${shortId(entry.run_id)}</a>` : "–"}
      </dd>
      <dt>From</dt>
      <dd class="mono">${entry.source_ip ?? "–"}</dd>
    </dl>
    <h3>Raw request</h3>
    <pre class="json raw-request">${`${entry.method} ${entry.path}${queryString(entry.query)}\n${headers}`}</pre>
    <h3>Body</h3>
    <p class="muted small">
      ${`${entry.body_size} bytes, ${entry.body_encoding === "utf8" ? "UTF-8 text" : "base64 (not UTF-8)"}`}${entry.body_truncated ? ", cut at INBOX_MAX_BODY_BYTES" : ""}
    </p>
    <pre class="json raw-body">${entry.body === "" ? "(empty)" : entry.body}</pre>
    <p>
      <button onClick=${replay} disabled=${Boolean(busy) || entry.body_truncated}>Replay</button>
      <span class="muted small">
        creates a new run from this request, without the signature, replay and rate-limit checks</span
      >
    </p>
    <${ErrorBox} error=${actionError} />
  </section>`;
}

export const inboxPage = {
  title: "Inbox",
  async load({ params: [ref], query }) {
    const list = await getJson(
      `/workflows/${encodeURIComponent(ref)}/inbox${queryString({ outcome: query.outcome, cursor: query.cursor })}`,
    );
    let entry = null;
    if (query.entry) {
      try {
        entry = (await getJson(`/inbox/${encodeURIComponent(query.entry)}`)).body;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
    return { entries: list.body, next: list.headers.get("X-Next-Cursor"), entry };
  },
  view({ data, params: [ref], query, ui }) {
    const base = `#/workflows/${encodeURIComponent(ref)}/inbox`;
    const link = (q) => `${base}${queryString({ outcome: query.outcome, ...q })}`;
    const filter = (outcome, label) =>
      html`<a href=${`${base}${queryString({ outcome })}`} class=${query.outcome === outcome ? "active" : ""}
        >${label}</a
      >`;
    return html`<h1>Inbox <a class="small" href=${`#/workflows/${encodeURIComponent(ref)}`}>${ref}</a></h1>
      <p class="filters">
        ${filter(undefined, "All")} · ${filter("accepted", "Accepted")} · ${filter("rejected", "Rejected")}
      </p>
      ${
        data.entries.length === 0
          ? html`<p class="muted">No deliveries kept.</p>`
          : html`<table class="inbox">
              <thead>
                <tr>
                  <th>Received</th>
                  <th>Outcome</th>
                  <th>Reason</th>
                  <th>Request</th>
                  <th>Run</th>
                </tr>
              </thead>
              <tbody>
                ${data.entries.map(
                  (e) =>
                    html`<tr class=${query.entry === e.id ? "selected" : ""}>
                      <td><a href=${link({ entry: e.id, cursor: query.cursor })}>${fmtTime(e.received_at)}</a></td>
                      <td><${Outcome} entry=${e} /></td>
                      <td>${e.reason ?? "–"}</td>
                      <td class="mono small">${e.method} · ${e.body_size} bytes</td>
                      <td>
                        ${e.run_id ? html`<a class="mono" href=${`#/runs/${e.run_id}`}>${shortId(e.run_id)}</a>` : "–"}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      ${data.next && html`<p><a href=${link({ cursor: data.next })}>Older deliveries →</a></p>`}
      ${data.entry && html`<${Entry} entry=${data.entry} ui=${ui} />`}`;
  },
};
