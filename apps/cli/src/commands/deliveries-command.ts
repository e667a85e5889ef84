import type { CliCommand } from "../cli-context";
import { printFirst } from "../print-first";

export const deliveriesCommand: CliCommand = {
  name: "deliveries",
  usage: "  deliveries <subscription_id> [--count N]       its latest event deliveries with their attempts (admin key)",
  run: async ({ args, options, client }) => {
    const [id] = args;
    if (id === undefined) return undefined;
    return printFirst(client().subscriptions.deliveries.list(id), (p) => p.deliveries, options.count);
  },
};

export const redeliverCommand: CliCommand = {
  name: "redeliver",
  usage: "  redeliver <subscription_id> <delivery_id>      sends a delivery again, its retry schedule from the start",
  run: async ({ args, client }) => {
    const [id, deliveryId] = args;
    if (id === undefined || deliveryId === undefined) return undefined;
    console.log(JSON.stringify(await client().subscriptions.deliveries.retry(id, deliveryId)));
    return 0;
  },
};
