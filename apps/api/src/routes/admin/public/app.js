// The dashboard's shell: a hash router, one state object and a full re-render on every change (Preact diffs).
import { BULL_BOARD, ErrorBox, html, render } from "./lib.js";
import { runsPage } from "./runs-page.js";
import { runPage } from "./run-page.js";
import { workflowsPage } from "./workflows-page.js";
import { workflowPage } from "./workflow-page.js";
import { systemPage } from "./system-page.js";
import { inboxPage } from "./inbox-page.js";
import { subscriptionPage, subscriptionsPage } from "./subscriptions-page.js";

/**
 * Each page: { title, load({ params, query }) → data, view({ data, params, query, ui }), poll?(data) → ms | null,
 * follow?({ params, data, onChange }) → stop | null }: `follow` keeps a stream open while the page shows the same
 * thing (`followKey(params)`) and calls `onChange` when it changed.
 */
const ROUTES = [
  [/^\/runs\/([0-9a-fA-F-]{36})$/, runPage],
  [/^\/(?:runs)?$/, runsPage],
  [/^\/workflows$/, workflowsPage],
  [/^\/workflows\/([^/]+)$/, workflowPage],
  [/^\/workflows\/([^/]+)\/inbox$/, inboxPage],
  [/^\/subscriptions$/, subscriptionsPage],
  [/^\/subscriptions\/([0-9a-fA-F-]{36})$/, subscriptionPage],
  [/^\/system$/, systemPage],
];

const root = document.getElementById("app");
root.textContent = ""; // the static "Loading…" placeholder; Preact owns the element from here on
let state = { page: null, params: [], query: {}, data: null, error: null, loading: true, local: {}, flash: null };
let generation = 0;
let pollTimer;
let following = null;

function setState(patch) {
  state = { ...state, ...patch };
  render(html`<${Shell} ...${state} />`, root);
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/runs";
  const [path, qs = ""] = raw.split("?");
  for (const [pattern, page] of ROUTES) {
    const m = pattern.exec(path);
    if (m)
      return { page, params: m.slice(1).map(decodeURIComponent), query: Object.fromEntries(new URLSearchParams(qs)) };
  }
  return { page: null, params: [], query: {} };
}

async function load({ keepLocal = false } = {}) {
  clearTimeout(pollTimer);
  const my = ++generation;
  const { page, params, query } = parseHash();
  setState({ page, params, query, loading: true, error: null, ...(keepLocal ? {} : { local: {}, data: null }) });
  if (page === null) return setState({ loading: false, error: new Error("No such page") });
  document.title = `${page.title} · Switchyard`;
  try {
    const data = await page.load({ params, query });
    if (my !== generation) return;
    setState({ data, loading: false });
    const every = page.poll?.(data);
    if (every) pollTimer = setTimeout(() => void load({ keepLocal: true }), every);
    follow(page, params, data);
  } catch (error) {
    if (my !== generation) return;
    setState({ error, loading: false });
  }
}

/** Opens the page's stream once per thing it shows, and closes it when the page moves on or the stream ends. */
function follow(page, params, data) {
  const key = page.follow === undefined ? null : page.followKey(params);
  if (following !== null && following.key === key) return;
  following?.stop();
  following = null;
  if (key === null) return;
  const stop = page.follow({ params, data, onChange: () => void load({ keepLocal: true }) });
  if (stop !== null) following = { key, stop };
}

const ui = {
  refresh: () => load({ keepLocal: true }),
  navigate: (hash) => {
    if (location.hash === hash) void load();
    else location.hash = hash;
  },
  setLocal: (patch) => setState({ local: { ...state.local, ...patch } }),
  // Shown on the page that was current when it was set (after a navigate: the new page).
  flash: (message, kind = "ok") => setState({ flash: { message, kind, hash: location.hash } }),
  get local() {
    return state.local;
  },
};

function Nav({ page }) {
  const item = (hash, label, pages) => html`<a href=${hash} class=${pages.includes(page) ? "active" : ""}>${label}</a>`;
  return html`<header class="top">
    <a class="brand" href="#/runs">Switchyard</a>
    <nav>
      ${item("#/runs", "Runs", [runsPage, runPage])}
      ${item("#/workflows", "Workflows", [workflowsPage, workflowPage, inboxPage])}
      ${item("#/subscriptions", "Subscriptions", [subscriptionsPage, subscriptionPage])}
      ${item("#/system", "Workers & queues", [systemPage])}
      <a href=${BULL_BOARD} class="external">Bull Board ↗</a>
    </nav>
  </header>`;
}

function Shell({ page, params, query, data, error, loading, flash }) {
  return html`<${Nav} page=${page} />
    <main>
      ${
        flash?.hash === location.hash &&
        html`<div class=${`flash flash-${flash.kind}`} role="status">
          ${flash.message} <button class="link" onClick=${() => setState({ flash: null })}>dismiss</button>
        </div>`
      }
      <${ErrorBox} error=${error} />
      ${data !== null && page !== null ? page.view({ data, params, query, ui }) : loading ? html`<p class="muted">Loading…</p>` : null}
    </main>`;
}

window.addEventListener("hashchange", () => void load());
void load();
