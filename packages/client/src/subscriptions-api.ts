import type {
  CreateSubscriptionInput,
  CreatedSubscription,
  Delivery,
  Subscription,
  UpdateSubscriptionInput,
} from "./api-types";
import type { Http } from "./http-transport";
import { everyPage } from "./pages";
import type { CallOptions } from "./workflows-api";

export type DeliveryPage = { deliveries: Delivery[]; next_cursor: string | null };
/** `limit`: the page size (1..200, 50 by default); `cursor`: start from this page. */
export type ListDeliveriesOptions = CallOptions & { limit?: number; cursor?: string | undefined };

const at = (id: string) => `/api/subscriptions/${encodeURIComponent(id)}`;

/** Outgoing run events (docs/outgoing-events.md): subscriptions and the log of their deliveries. Admin scope. */
export function createSubscriptionsApi(http: Http) {
  const get = async <T>(path: string, opts?: CallOptions) => (await http.request<T>("GET", path, opts)).body;
  const send = async <T>(method: string, path: string, body: unknown, opts?: CallOptions) =>
    (await http.request<T>(method, path, { ...opts, body })).body;

  const page = async (id: string, opts: ListDeliveriesOptions = {}): Promise<DeliveryPage> => {
    const { cursor, limit, ...call } = opts;
    const answer = await http.request<Delivery[]>("GET", `${at(id)}/deliveries`, { ...call, query: { limit, cursor } });
    return { deliveries: answer.body, next_cursor: answer.headers.get("x-next-cursor") };
  };

  return {
    list: (opts?: CallOptions) => get<Subscription[]>("/api/subscriptions", opts),
    get: (id: string, opts?: CallOptions) => get<Subscription>(at(id), opts),
    /** Answers the subscription with its signing secret: the only time the API shows it. */
    create: (body: CreateSubscriptionInput, opts?: CallOptions) =>
      send<CreatedSubscription>("POST", "/api/subscriptions", body, opts),
    /** Replaces it; an omitted secret keeps the stored one, `enabled: true` re-enables a disabled one. */
    update: (id: string, body: UpdateSubscriptionInput, opts?: CallOptions) =>
      send<Subscription>("PUT", at(id), body, opts),
    delete: async (id: string, opts?: CallOptions) => {
      await http.request<null>("DELETE", at(id), opts);
    },
    deliveries: {
      /** One page of the subscription's deliveries, newest first, each with its attempts. */
      page,
      /** Every page of its deliveries, fetched as the loop asks for them. */
      list: (id: string, opts: ListDeliveriesOptions = {}) =>
        everyPage((cursor) => page(id, { ...opts, cursor }), opts.cursor),
      /** Sends a delivery again (pending at once, its retry schedule from the start). */
      retry: (id: string, deliveryId: string, opts?: CallOptions) =>
        send<Delivery>("POST", `${at(id)}/deliveries/${encodeURIComponent(deliveryId)}/retry`, {}, opts),
    },
  };
}

export type SubscriptionsApi = ReturnType<typeof createSubscriptionsApi>;
