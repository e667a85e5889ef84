import { createHmac } from "node:crypto";

export type SignedHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

/** The HMAC key a `whsec_<base64>` secret (or bare base64) encodes. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
}

/**
 * The Standard Webhooks headers of one attempt: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the
 * secret's bytes (signingKey). `id` is the delivery's, the same on every attempt; `now` is the attempt's.
 */
export function signDelivery(key: Buffer, id: string, body: string, now: Date): SignedHeaders {
  const timestamp = String(Math.floor(now.getTime() / 1_000));
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` };
}
