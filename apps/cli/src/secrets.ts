import type { Config } from "@switchyard/core/config";
import { UsageError } from "./keys";

export const SECRETS_USAGE = `  secrets reencrypt                              re-encrypt every webhook and subscription secret under SECRET_KEY (after a rotation)`;

/** `secrets reencrypt`: the second step of a SECRET_KEY rotation (docs/security.md), straight against DATABASE_URL. */
export async function runSecretsCommand(config: Config, sub: string | undefined): Promise<number> {
  if (sub !== "reencrypt") throw new UsageError(`unknown secrets command "${sub ?? ""}"`);
  if (config.SECRET_KEY === undefined) throw new UsageError("SECRET_KEY is not set: nothing to encrypt with");
  const { createDb } = await import("@switchyard/core/db");
  const { createSecretBox } = await import("@switchyard/core/secrets/secret-box");
  const { reencryptWebhookSecrets } = await import("@switchyard/core/triggers/webhook/reencrypt-webhook-secrets");
  const { reencryptSubscriptionSecrets } =
    await import("@switchyard/core/subscriptions/reencrypt-subscription-secrets");
  const db = createDb({ ...config, DATABASE_POOL_SIZE: 1 });
  try {
    const box = createSecretBox(config.SECRET_KEY, config.SECRET_KEY_PREVIOUS);
    const count = await reencryptWebhookSecrets(db, box);
    console.log(`re-encrypted the secrets of ${count} webhook config(s) under SECRET_KEY`);
    const subscriptions = await reencryptSubscriptionSecrets(db, box);
    console.log(`re-encrypted the secrets of ${subscriptions} subscription(s) under SECRET_KEY`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}
