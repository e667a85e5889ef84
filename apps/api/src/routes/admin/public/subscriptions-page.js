// Outgoing run events (admin only): the subscriptions, a form creating one (its secret shown once, right after),
// and one subscription's deliveries with every attempt and a Retry button.
import { Badge, ErrorBox, fmtTime, getJson, html, Json, post, queryString, shortId } from "./lib.js";

const EVENTS = ["run.succeeded", "run.failed", "run.cancelled", "run.started", "cron.missed"];

function State({ subscription }) {
  return subscription.enabled
    ? html`<span class="badge badge-succeeded">enabled</span>`
    : html`<span class="badge badge-failed" title=${subscription.disabled_reason ?? ""}>disabled</span>`;
}

function CreateForm({ workflows, ui }) {
  const { busy, createError } = ui.local;
  const submit = async (e) => {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const workflow = String(fd.get("workflow") ?? "");
    const secret = String(fd.get("secret") ?? "").trim();
    const body = {
      url: String(fd.get("url") ?? "").trim(),
      events: fd.getAll("events").map(String),
      workflow: workflow === "" ? null : workflow,
      ...(secret === "" ? {} : { secret }),
    };
    ui.setLocal({ busy: true, createError: null, created: null });
    try {
      const created = await post("/subscriptions", body);
      // The one time the secret is shown: kept on this page only, until it is left.
      ui.setLocal({ busy: false, created });
      ui.refresh();
    } catch (err) {
      ui.setLocal({ busy: false, createError: err });
    }
  };
  return html`<form class="subscription-form" onSubmit=${submit} aria-label="new subscription">
    <h2>New subscription</h2>
    <label>URL <input name="url" type="url" required placeholder="https://ops.example.com/hooks/switchyard" /></label>
    <fieldset>
      <legend>Events</legend>
      ${EVENTS.map((e) => html`<label class="check"><input type="checkbox" name="events" value=${e} /> ${e}</label>`)}
    </fieldset>
    <label
      >Workflow
      <select name="workflow">
        <option value="">all workflows</option>
        ${workflows.map((w) => html`<option value=${w.id}>${w.name}</option>`)}
      </select>
    </label>
    <label>Secret <input name="secret" placeholder="generated when empty (whsec_…)" autocomplete="off" /></label>
    <p><button type="submit" disabled=${Boolean(busy)}>Subscribe</button></p>
    <${ErrorBox} error=${createError} />
  </form>`;
}

function Created({ created }) {
  return html`<div class="flash flash-ok created-secret" role="status">
    Subscription <span class="mono">${shortId(created.id)}</span> created. Its secret, shown this once, verifies every
    delivery (any Standard Webhooks library):
    <pre class="json secret">${created.secret}</pre>
  </div>`;
}

export const subscriptionsPage = {
  title: "Subscriptions",
  async load() {
    const [subscriptions, workflows] = await Promise.all([getJson("/subscriptions"), getJson("/workflows")]);
    return { subscriptions: subscriptions.body, workflows: workflows.body };
  },
  view({ data, ui }) {
    const names = new Map(data.workflows.map((w) => [w.id, w.name]));
    return html`<h1>Subscriptions</h1>
      <p class="muted small">Run events POSTed in the Standard Webhooks format, retried for 24 h.</p>
      ${ui.local.created && html`<${Created} created=${ui.local.created} />`}
      ${
        data.subscriptions.length === 0
          ? html`<p class="muted">No subscriptions.</p>`
          : html`<table class="subscriptions">
              <thead>
                <tr>
                  <th>URL</th>
                  <th>Events</th>
                  <th>Workflow</th>
                  <th>State</th>
                  <th>Last success</th>
                </tr>
              </thead>
              <tbody>
                ${data.subscriptions.map(
                  (s) =>
                    html`<tr>
                      <td><a class="mono" href=${`#/subscriptions/${s.id}`}>${s.url}</a></td>
                      <td class="small">${s.events.join(", ")}</td>
                      <td>${s.workflow_id === null ? "all" : (names.get(s.workflow_id) ?? shortId(s.workflow_id))}</td>
                      <td><${State} subscription=${s} /></td>
                      <td>${fmtTime(s.last_success_at)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <${CreateForm} workflows=${data.workflows} ui=${ui} />`;
  },
};

function Delivery({ delivery, subscriptionId, ui }) {
  const retry = async () => {
    ui.setLocal({ retryError: null });
    try {
      await post(`/subscriptions/${subscriptionId}/deliveries/${delivery.id}/retry`);
      ui.flash(`Delivery ${shortId(delivery.id)} will be sent again.`);
      ui.refresh();
    } catch (err) {
      ui.setLocal({ retryError: err });
    }
  };
  return html`<tr>
    <td class="mono">${shortId(delivery.id)}</td>
    <td>${delivery.event_type}</td>
    <td>
      ${delivery.run_id ? html`<a class="mono" href=${`#/runs/${delivery.run_id}`}>${shortId(delivery.run_id)}</a>` : "–"}
    </td>
    <td><${Badge} status=${delivery.status === "delivered" ? "succeeded" : delivery.status} /> ${delivery.status}</td>
    <td>${fmtTime(delivery.created_at)}</td>
    <td>${delivery.status === "pending" ? fmtTime(delivery.next_attempt_at) : "–"}</td>
    <td>
      <ol class="attempts small">
        ${delivery.attempt_log.map(
          (a) =>
            html`<li>
              ${fmtTime(a.at)} ${a.status} ${a.response_code ?? ""} · ${a.duration_ms}
              ms${a.error ? ` · ${a.error}` : ""}
            </li>`,
        )}
      </ol>
    </td>
    <td><button class="retry" onClick=${retry}>Retry</button></td>
  </tr>`;
}

export const subscriptionPage = {
  title: "Subscription",
  async load({ params: [id], query }) {
    const [subscription, deliveries] = await Promise.all([
      getJson(`/subscriptions/${encodeURIComponent(id)}`),
      getJson(`/subscriptions/${encodeURIComponent(id)}/deliveries${queryString({ cursor: query.cursor })}`),
    ]);
    return {
      subscription: subscription.body,
      deliveries: deliveries.body,
      next: deliveries.headers.get("X-Next-Cursor"),
    };
  },
  // Pending deliveries move on their own: look again while any is shown.
  poll: (data) => (data.deliveries.some((d) => d.status === "pending") ? 3_000 : null),
  view({ data, params: [id], ui }) {
    const s = data.subscription;
    return html`<h1>Subscription <span class="mono">${shortId(s.id)}</span> <${State} subscription=${s} /></h1>
      <dl class="meta">
        <dt>URL</dt>
        <dd class="mono">${s.url}</dd>
        <dt>Events</dt>
        <dd>${s.events.join(", ")}</dd>
        <dt>Failing since</dt>
        <dd>${fmtTime(s.failing_since)}</dd>
        ${
          s.disabled_reason &&
          html`<dt>Disabled</dt>
            <dd>${s.disabled_reason}</dd>`
        }
      </dl>
      <p><a href="#/subscriptions">← All subscriptions</a></p>
      <${ErrorBox} error=${ui.local.retryError} />
      <h2>Deliveries</h2>
      ${
        data.deliveries.length === 0
          ? html`<p class="muted">No deliveries yet.</p>`
          : html`<table class="deliveries">
              <thead>
                <tr>
                  <th>Delivery</th>
                  <th>Event</th>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Created</th>
                  <th>Next attempt</th>
                  <th>Attempts</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${data.deliveries.map((d) => html`<${Delivery} delivery=${d} subscriptionId=${s.id} ui=${ui} />`)}
              </tbody>
            </table>`
      }
      ${data.next && html`<p><a href=${`#/subscriptions/${id}${queryString({ cursor: data.next })}`}>Older deliveries →</a></p>`}
      ${
        data.deliveries[0] &&
        html`<h3>Latest body</h3>
          <${Json} value=${data.deliveries[0].body} />`
      }`;
  },
};
