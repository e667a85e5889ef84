/**
 * The workflow `make demo` installs (scripts/demo.ts), in its own module so a test runs exactly this graph. Its two
 * triggers bring different inputs: a webhook delivery carries an order in its body, a cron run only the time it
 * was scheduled for. The first node tells them apart and the `when` edges take each down its own branch, so each
 * logs a line that fits it.
 */
export const DEMO_HANDLE = "demo-orders";

export const DEMO_GRAPH = {
  nodes: [
    { id: "route", type: "set", params: { value: "{{ run.triggered_by = 'cron' ? 'schedule' : 'order' }}" } },
    {
      id: "order",
      type: "set",
      params: {
        value: {
          customer: "{{ $exists(input.body.customer) ? input.body.customer : 'a guest' }}",
          items: "{{ $count(input.body.items) }}",
        },
      },
    },
    // The array constructor drops a missing list, so an order without items totals 0.
    { id: "total", type: "transform", params: { expression: "$sum([input.body.items.(price * quantity)])" } },
    {
      id: "announce",
      type: "log",
      params: {
        message: "Order for {{ steps.order.customer }}: {{ steps.order.items }} items, {{ steps.total }} in all",
      },
    },
    {
      id: "tick",
      type: "log",
      params: {
        message:
          "Scheduled run for {{ input.scheduled_for }} ({{ input.timezone }}): no order to total, orders come in by webhook",
      },
    },
  ],
  edges: [
    { from: "route", to: "order", when: "steps.route = 'order'" },
    { from: "route", to: "total", when: "steps.route = 'order'" },
    { from: "order", to: "announce" },
    { from: "total", to: "announce" },
    { from: "route", to: "tick", when: "steps.route = 'schedule'" },
  ],
};

/** The order the demo posts to the webhook. */
export const DEMO_ORDER = {
  customer: "Ada",
  items: [
    { sku: "tea", price: 4.5, quantity: 2 },
    { sku: "cup", price: 12, quantity: 1 },
  ],
};
