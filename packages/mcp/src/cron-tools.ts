import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { assertCronExpression, assertTimezone, nextFireTimes } from "@switchyard/core/triggers/cron/cron-schedule";
import { formatInZone } from "@switchyard/core/triggers/cron/cron-occurrences";
import { PreviewCronArgs } from "./tool-arguments";
import { jsonResult } from "./tool-kit";

export function registerCronTools(server: McpServer): void {
  server.registerTool(
    "preview_cron",
    {
      title: "Preview a cron schedule",
      description:
        "The next `count` fire times of a cron expression in a time zone (as a cron trigger would fire), in UTC and in the zone.",
      inputSchema: PreviewCronArgs,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      // Checked by the same functions as a cron config's PUT: a bad expression or zone names what is wrong.
      assertCronExpression(args.expression);
      assertTimezone(args.timezone);
      const schedule = { expression: args.expression, timezone: args.timezone, startAt: null, endAt: null };
      const fire_times = nextFireTimes(schedule, new Date(), args.count).map((at) => ({
        at: at.toISOString(),
        local: formatInZone(at, args.timezone),
      }));
      return jsonResult({ expression: args.expression, timezone: args.timezone, fire_times });
    },
  );
}
