import { assertCronExpression, assertTimezone, nextFireTimes } from "@switchyard/core/triggers/cron/cron-schedule";
import type { CliCommand } from "../cli-context";

export const cronPreviewCommand: CliCommand = {
  name: "cron-preview",
  usage: '  cron-preview "<expr>" [--tz Zone] [--count N]  next fire times, offline',
  run: async ({ args, options }) => {
    const [expression] = args;
    if (expression === undefined) return undefined;
    assertCronExpression(expression);
    assertTimezone(options.tz);
    const schedule = { expression, timezone: options.tz, startAt: null, endAt: null };
    for (const at of nextFireTimes(schedule, new Date(), Number(options.count))) {
      console.log(at.toLocaleString("sv-SE", { timeZone: options.tz }) + ` ${options.tz}\t${at.toISOString()}`);
    }
    return 0;
  },
};
