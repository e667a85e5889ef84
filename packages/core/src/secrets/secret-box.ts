import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { Config } from "../config";
import { AppError } from "../errors";

/** `enc:v1:<iv>:<tag>:<ciphertext>`, each part base64: AES-256-GCM with a random 96-bit IV per value. */
const PREFIX = "enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored secret cannot be read or written with the configured keys. Never carries the secret itself. */
export class SecretKeyError extends AppError {
  override name = "SecretKeyError";
  constructor(message: string) {
    super(500, "secret_key", message);
  }
}

export type SecretBox = {
  /** False without SECRET_KEY: secrets can then be read only if stored as plain text (before encryption). */
  readonly canEncrypt: boolean;
  encrypt: (plain: string) => string;
  /** A stored value → the secret. A value without the `enc:` prefix is a plain-text one from an older release. */
  decrypt: (stored: string) => string;
};

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The AES key from SECRET_KEY: HKDF-SHA256, so any long random string (base64, hex, ...) makes a full key. */
function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), "switchyard", "webhook-secrets:v1", 32));
}

export function createSecretBox(current: string | undefined, previous?: string): SecretBox {
  const key = current === undefined ? null : deriveKey(current);
  const keys = [key, previous === undefined ? null : deriveKey(previous)].filter((k): k is Buffer => k !== null);
  return {
    canEncrypt: key !== null,
    encrypt: (plain) => {
      if (key === null) throw new SecretKeyError("SECRET_KEY is not set: secrets cannot be stored");
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `${PREFIX}${iv.toString("base64")}:${cipher.getAuthTag().toString("base64")}:${body.toString("base64")}`;
    },
    decrypt: (stored) => {
      if (!isEncrypted(stored)) return stored;
      const parts = stored.slice(PREFIX.length).split(":");
      const [iv, tag, body] = parts.map((p) => Buffer.from(p, "base64"));
      if (parts.length !== 3 || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || body === undefined) {
        throw new SecretKeyError("a stored secret is not in the enc:v1 format");
      }
      if (keys.length === 0) throw new SecretKeyError("SECRET_KEY is not set: a stored secret cannot be decrypted");
      for (const k of keys) {
        try {
          const decipher = createDecipheriv("aes-256-gcm", k, iv, { authTagLength: TAG_BYTES });
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
        } catch {
          // The tag does not match this key: try the next one.
        }
      }
      throw new SecretKeyError(
        "a stored secret cannot be decrypted: SECRET_KEY (and SECRET_KEY_PREVIOUS) is not the key it was encrypted with",
      );
    },
  };
}

const boxes = new WeakMap<object, SecretBox>();

/** One box per parsed config, so the key is derived once per process, not per delivery. */
export function secretBoxFor(config: Pick<Config, "SECRET_KEY" | "SECRET_KEY_PREVIOUS">): SecretBox {
  let box = boxes.get(config);
  if (box === undefined) {
    box = createSecretBox(config.SECRET_KEY, config.SECRET_KEY_PREVIOUS);
    boxes.set(config, box);
  }
  return box;
}
