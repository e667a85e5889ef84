import type { InboxEntry, InboxEntrySummary, InboxOutcome, Run } from "./api-types";
import type { Http } from "./http-transport";
import { everyPage } from "./pages";
import type { CallOptions } from "./workflows-api";

export type InboxPage = { entries: InboxEntrySummary[]; next_cursor: string | null };
/** `outcome`: only accepted or only rejected deliveries; `limit`: the page size (1..200, 50 by default). */
export type InboxFilters = { outcome?: InboxOutcome; limit?: number };
export type ListInboxOptions = CallOptions & { cursor?: string | undefined };

const entry = (id: string) => `/api/inbox/${encodeURIComponent(id)}`;

/** The webhook inbox (docs/inbox.md): every delivery a workflow's webhook received, kept with its raw request. */
export function createInboxApi(http: Http) {
  const page = async (ref: string, filters: InboxFilters = {}, opts: ListInboxOptions = {}): Promise<InboxPage> => {
    const { cursor, ...call } = opts;
    const answer = await http.request<InboxEntrySummary[]>("GET", `/api/workflows/${encodeURIComponent(ref)}/inbox`, {
      ...call,
      query: { ...filters, cursor },
    });
    return { entries: answer.body, next_cursor: answer.headers.get("x-next-cursor") };
  };

  return {
    /** One page of the workflow's (UUID or handle) inbox, newest first, without the bodies. */
    page,
    /** Every page of the workflow's inbox, fetched as the loop asks for them. */
    list: (ref: string, filters: InboxFilters = {}, opts: ListInboxOptions = {}) =>
      everyPage((cursor) => page(ref, filters, { ...opts, cursor }), opts.cursor),
    /** One entry with its raw body (text when it is UTF-8, else base64: `body_encoding`). */
    get: async (id: string, opts?: CallOptions) => (await http.request<InboxEntry>("GET", entry(id), opts)).body,
    /** A new run from the entry's raw request, accepted or rejected (`triggered_by: "replay"`, audited). */
    replay: async (id: string, opts?: CallOptions) =>
      (await http.request<Run>("POST", `${entry(id)}/replay`, { ...opts, body: {} })).body,
  };
}

export type InboxApi = ReturnType<typeof createInboxApi>;
