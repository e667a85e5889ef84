import { withTransaction, type Db } from "../../db";
import type { SecretBox } from "../../secrets/secret-box";
import { parseStoredWebhookConfig } from "./webhook-config";
import { sealWebhookSecrets } from "./webhook-secrets";

/**
 * Re-encrypts every stored webhook secret under the current SECRET_KEY: plain-text ones from older releases and
 * ones under SECRET_KEY_PREVIOUS alike (`switchyard secrets reencrypt`, the rotation's second step). One
 * transaction with the rows locked, so a concurrent save is neither lost nor overwritten. Returns the configs
 * rewritten.
 */
export async function reencryptWebhookSecrets(db: Db, box: SecretBox): Promise<number> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ workflow_id: string; config: unknown }>(
      `SELECT workflow_id::text AS workflow_id, config FROM webhook_configs
       WHERE config->>'shared_secret' IS NOT NULL OR config->>'hmac_secret' IS NOT NULL
       ORDER BY workflow_id FOR UPDATE`,
    );
    for (const row of rows) {
      const stored = parseStoredWebhookConfig(row.config);
      const sealed = sealWebhookSecrets(stored, stored, box);
      await tx.query(`UPDATE webhook_configs SET config = $2::jsonb, updated_at = now() WHERE workflow_id = $1::uuid`, [
        row.workflow_id,
        JSON.stringify(sealed),
      ]);
    }
    return rows.length;
  });
}
