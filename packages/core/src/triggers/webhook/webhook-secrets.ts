import { ValidationError } from "../../errors";
import { isEncrypted, type SecretBox } from "../../secrets/secret-box";
import type { WebhookConfig } from "./webhook-config";

const SECRET_FIELDS = ["shared_secret", "hmac_secret"] as const;

/**
 * The config as it is stored: every secret encrypted with the current SECRET_KEY. A secret kept from the stored
 * config (sent back masked) is re-encrypted, so a plain-text one from an older release, or one under
 * SECRET_KEY_PREVIOUS, moves to the current key at the next save. Without SECRET_KEY a new secret is refused
 * (422); a kept plain-text one stays as it is.
 */
export function sealWebhookSecrets(config: WebhookConfig, stored: WebhookConfig | null, box: SecretBox): WebhookConfig {
  const sealed = { ...config };
  for (const field of SECRET_FIELDS) {
    const value = config[field];
    if (value === null) continue;
    const kept = stored !== null && stored[field] === value;
    if (!box.canEncrypt) {
      if (kept && !isEncrypted(value)) continue;
      throw new ValidationError([
        {
          loc: ["body", field],
          msg: "cannot be stored: the server has no SECRET_KEY to encrypt webhook secrets with (docs/security.md)",
          type: "value_error",
        },
      ]);
    }
    sealed[field] = box.encrypt(kept ? box.decrypt(value) : value);
  }
  return sealed;
}

/** The config with its secrets decrypted, for the signature check only; never stored, logged or returned. */
export function openWebhookSecrets(config: WebhookConfig, box: SecretBox): WebhookConfig {
  if (config.shared_secret === null && config.hmac_secret === null) return config;
  return {
    ...config,
    shared_secret: config.shared_secret === null ? null : box.decrypt(config.shared_secret),
    hmac_secret: config.hmac_secret === null ? null : box.decrypt(config.hmac_secret),
  };
}
