// Every workflow with its latest version and whether it has a schedule.
import { fmtTime, getJson, html } from "./lib.js";

export const workflowsPage = {
  title: "Workflows",
  async load() {
    return { workflows: (await getJson("/workflows?include_archived=true")).body };
  },
  view({ data }) {
    if (data.workflows.length === 0)
      return html`<h1>Workflows</h1>
        <p class="muted empty">No workflows yet.</p>`;
    return html`<h1>Workflows</h1>
      <table class="workflows">
        <thead>
          <tr>
            <th>Name</th>
            <th>Handle</th>
            <th>Latest version</th>
            <th>Scheduled</th>
            <th>Tags</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          ${data.workflows.map(
            (w) =>
              html`<tr class=${w.is_archived ? "archived" : ""}>
                <td>
                  <a href=${`#/workflows/${w.id}`}>${w.name}</a
                  >${w.is_archived && html` <span class="badge">archived</span>`}
                </td>
                <td class="mono">${w.handle ?? "–"}</td>
                <td>${w.latest_version === null ? "–" : `v${w.latest_version}`}</td>
                <td>${w.is_scheduled ? "cron" : "–"}</td>
                <td>${(w.tags ?? []).join(", ")}</td>
                <td>${fmtTime(w.updated_at)}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
  },
};
