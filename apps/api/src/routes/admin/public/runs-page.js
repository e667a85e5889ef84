// Runs across workflows: filters (workflow, status, trigger, time range) and search (run id or payload value).
import { Badge, fmtDuration, fmtTime, getJson, html, queryString, shortId } from "./lib.js";

const STATUSES = ["pending", "running", "waiting", "succeeded", "failed", "cancelled"];
const TRIGGERS = ["webhook", "cron", "manual", "manual_batch"];
const FILTERS = ["workflow", "status", "triggered_by", "created_after", "created_before", "q"];

/** datetime-local values are read as UTC (the page shows UTC throughout). */
function toInstant(local) {
  return local ? `${local.length === 16 ? `${local}:00` : local}Z` : "";
}
function toLocalInput(iso) {
  return iso ? iso.replace(/Z$/, "").slice(0, 16) : "";
}

export const runsPage = {
  title: "Runs",
  async load({ query }) {
    const filters = Object.fromEntries(FILTERS.map((f) => [f, query[f]]));
    const [runs, workflows] = await Promise.all([
      getJson(`/runs${queryString({ ...filters, limit: query.limit ?? 50, cursor: query.cursor })}`),
      getJson("/workflows?include_archived=true"),
    ]);
    return { runs: runs.body, next: runs.headers.get("X-Next-Cursor"), workflows: workflows.body };
  },
  view({ data, query, ui }) {
    const names = new Map(data.workflows.map((w) => [w.id, w]));
    const submit = (e) => {
      e.preventDefault();
      const fd = new FormData(e.currentTarget);
      const params = Object.fromEntries(FILTERS.map((f) => [f, String(fd.get(f) ?? "").trim()]));
      params.created_after = toInstant(params.created_after);
      params.created_before = toInstant(params.created_before);
      ui.navigate(`#/runs${queryString(params)}`);
    };
    const pageWith = (cursor) =>
      `#/runs${queryString({ ...Object.fromEntries(FILTERS.map((f) => [f, query[f]])), cursor })}`;
    return html`<h1>Runs</h1>
      <form class="filters" onSubmit=${submit} aria-label="run filters">
        <label
          >Workflow
          <select name="workflow">
            <option value="">all</option>
            ${data.workflows.map((w) => html`<option value=${w.id} selected=${query.workflow === w.id}>${w.name}</option>`)}
          </select>
        </label>
        <label
          >Status
          <select name="status">
            <option value="">any</option>
            ${STATUSES.map((s) => html`<option value=${s} selected=${query.status === s}>${s}</option>`)}
          </select>
        </label>
        <label
          >Trigger
          <input
            name="triggered_by"
            list="triggers"
            defaultValue=${query.triggered_by ?? ""}
            placeholder="any"
            size="10"
          />
          <datalist id="triggers">${TRIGGERS.map((t) => html`<option value=${t} />`)}</datalist>
        </label>
        <label
          >Created from (UTC)
          <input type="datetime-local" name="created_after" defaultValue=${toLocalInput(query.created_after)} />
        </label>
        <label
          >to
          <input type="datetime-local" name="created_before" defaultValue=${toLocalInput(query.created_before)} />
        </label>
        <label class="grow"
          >Search
          <input
            name="q"
            type="search"
            defaultValue=${query.q ?? ""}
            placeholder="run id, a value in the input, path=value or {json}"
          />
        </label>
        <button type="submit">Apply</button>
        <a class="button secondary" href="#/runs">Reset</a>
      </form>
      ${
        data.runs.length === 0
          ? html`<p class="muted empty">No runs match.${data.next ? " Older runs remain: search further." : ""}</p>`
          : html`<table class="runs">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Workflow</th>
                  <th>Status</th>
                  <th>Trigger</th>
                  <th>Attempt</th>
                  <th>Created</th>
                  <th>Duration</th>
                </tr>
              </thead>
              <tbody>
                ${data.runs.map((r) => {
                  const w = names.get(r.workflow_id);
                  return html`<tr data-run=${r.id}>
                    <td><a href=${`#/runs/${r.id}`} class="mono">${shortId(r.id)}</a></td>
                    <td><a href=${`#/workflows/${r.workflow_id}`}>${w?.name ?? shortId(r.workflow_id)}</a></td>
                    <td><${Badge} status=${r.status} /></td>
                    <td>${r.triggered_by}</td>
                    <td>${r.attempt}</td>
                    <td>${fmtTime(r.created_at)}</td>
                    <td>${r.started_at ? fmtDuration(r.started_at, r.completed_at) : "–"}</td>
                  </tr>`;
                })}
              </tbody>
            </table>`
      }
      <div class="pager">
        ${query.cursor && html`<a class="button secondary" href=${pageWith(undefined)}>Newest</a>`}
        ${data.next && html`<a class="button secondary" href=${pageWith(data.next)}>Older →</a>`}
      </div>`;
  },
};
