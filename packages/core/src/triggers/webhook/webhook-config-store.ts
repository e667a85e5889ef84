import type { Db, Prisma } from "../../db";
import { parseStoredWebhookConfig, type WebhookConfig } from "./webhook-config";

/**
 * The saved config, or null when the workflow has none (it then behaves as the defaults). Its secrets are as
 * stored: `enc:v1:` ciphertext (or plain text from an older release); `openWebhookSecrets` decrypts them.
 */
export async function findWebhookConfig(db: Db, workflowId: string): Promise<WebhookConfig | null> {
  const row = await db.webhookConfig.findUnique({ where: { workflowId }, select: { config: true } });
  return row === null ? null : parseStoredWebhookConfig(row.config);
}

/** Replaces the workflow's config (a PUT is a full replacement). Pass it through `sealWebhookSecrets` first. */
export async function saveWebhookConfig(db: Db, workflowId: string, config: WebhookConfig): Promise<void> {
  const json = config as unknown as Prisma.InputJsonObject;
  await db.webhookConfig.upsert({
    where: { workflowId },
    create: { workflowId, config: json },
    update: { config: json },
  });
}
