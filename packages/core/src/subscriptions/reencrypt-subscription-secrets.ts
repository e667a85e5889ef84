import { withTransaction, type Db } from "../db";
import type { SecretBox } from "../secrets/secret-box";

/**
 * Re-encrypts every subscription secret under the current SECRET_KEY (`switchyard secrets reencrypt`, beside the
 * webhook secrets): one transaction with the rows locked. Returns the subscriptions rewritten.
 */
export async function reencryptSubscriptionSecrets(db: Db, box: SecretBox): Promise<number> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ id: string; secret: string }>(
      "SELECT id::text AS id, secret FROM event_subscriptions ORDER BY id FOR UPDATE",
    );
    for (const row of rows) {
      await tx.query("UPDATE event_subscriptions SET secret = $2 WHERE id = $1::uuid", [
        row.id,
        box.encrypt(box.decrypt(row.secret)),
      ]);
    }
    return rows.length;
  });
}
