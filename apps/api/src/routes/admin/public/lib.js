// Shared helpers of the dashboard's pages: rendering (Preact + htm, no build step), the JSON API, formatting.
import { h, render } from "/admin/vendor/preact/preact.mjs";
import htm from "/admin/vendor/htm/htm.mjs";

export const html = htm.bind(h);
export { render };

export const API = "/admin/api";
export const BULL_BOARD = "/admin/queues";

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

async function request(path, init) {
  const res = await fetch(`${API}${path}`, { credentials: "same-origin", ...init });
  const text = await res.text();
  let body = null;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) throw new ApiError(res.status, body?.detail ?? body ?? res.statusText);
  return { body, headers: res.headers };
}

/** GET a JSON resource; `{ body, headers }`. */
export function getJson(path) {
  return request(path, { headers: { Accept: "application/json" } });
}

/** GET that reads a 404 as null (an optional resource: a cron config, the workers endpoint). */
export async function getOptional(path) {
  try {
    return (await getJson(path)).body;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** A state-changing call: a same-origin fetch with X-Requested-With, which the server requires. */
export async function post(path, body = {}) {
  return (
    await request(path, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-Requested-With": "switchyard-dashboard",
      },
      body: JSON.stringify(body),
    })
  ).body;
}

/** A query string from an object, leaving out empty values. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

/** "2026-12-01 21:30:05Z": UTC, to the second. */
export function fmtTime(iso) {
  if (!iso) return "–";
  return `${iso.replace("T", " ").slice(0, 19)}Z`;
}

export function fmtDuration(fromIso, toIso) {
  if (!fromIso) return "–";
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function shortId(id) {
  return id ? id.slice(0, 8) : "–";
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

export const TERMINAL = ["succeeded", "failed", "cancelled"];

export function Badge({ status }) {
  return html`<span class=${`badge badge-${status}`}>${status}</span>`;
}

/** JSON in a <pre>, folded behind a summary when long. */
export function Json({ value, open = false }) {
  const text = value === undefined ? "–" : pretty(value);
  if (text.length < 160 && !text.includes("\n  \n")) return html`<pre class="json">${text}</pre>`;
  return html`<details open=${open}>
    <summary>${text.slice(0, 60).replace(/\s+/g, " ")}…</summary>
    <pre class="json">${text}</pre>
  </details>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  const detail = error instanceof ApiError ? error.detail : (error.message ?? String(error));
  const text = Array.isArray(detail)
    ? detail.map((d) => `${(d.loc ?? []).join(".")}: ${d.msg}`).join("\n")
    : String(detail);
  return html`<div class="error" role="alert"><strong>${error.status ? `${error.status} ` : ""}</strong>${text}</div>`;
}
