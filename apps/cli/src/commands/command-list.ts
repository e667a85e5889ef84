import type { CliCommand } from "../cli-context";
import { cronPreviewCommand } from "./cron-preview-command";
import { deliveriesCommand, redeliverCommand } from "./deliveries-command";
import { concurrencyCommand, rateLimitCommand, routingCommand } from "./flow-limits-command";
import { inboxCommand, replayCommand } from "./inbox-command";
import { keysCommand, secretsCommand } from "./keys-command";
import { loadWorkflowCommand } from "./load-workflow-command";
import { mcpCommand } from "./mcp-command";
import { requeueCommand } from "./requeue-command";
import { stepsCommand } from "./steps-command";
import { triggerCommand } from "./trigger-command";
import { workflowsCommand } from "./workflows-command";

/** Every command, in the order the usage lists them. */
export const COMMANDS: readonly CliCommand[] = [
  workflowsCommand,
  loadWorkflowCommand,
  triggerCommand,
  stepsCommand,
  concurrencyCommand,
  rateLimitCommand,
  routingCommand,
  inboxCommand,
  replayCommand,
  deliveriesCommand,
  redeliverCommand,
  cronPreviewCommand,
  requeueCommand,
  mcpCommand,
  keysCommand,
  secretsCommand,
];
