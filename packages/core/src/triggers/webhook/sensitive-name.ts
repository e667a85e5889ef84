import { boundedMemo } from "../../engine/bounded-memo";

/**
 * Words that name a credential wherever they appear inside a word: `access_token`, `x-hub-signature-256`,
 * `password`, `client_secret`, `jsessionid`, `x-shopify-hmac-sha256`.
 */
const CREDENTIAL_STEM =
  /token|secret|passw|credential|signature|cookie|authoriz|authent|hmac|sessionid|sessid|csrf|xsrf/;

/**
 * Words that name a credential only as a whole word, so that ordinary words containing them survive: `key` but
 * not `monkey` or `keyword`, `auth` and `oauth` but not `author`, `session` but not `possession`.
 */
const CREDENTIAL_WORD = new RegExp(
  "^(?:" +
    [
      "keys?",
      "(?:api|access|private|secret|signing|client|master|auth|app|license|subscription|encryption|session|consumer|shared|webhook)keys?",
      "pass(?:phrase|code|key)?s?",
      "pwd",
      "[a-z]*auth[nz]?",
      "sessions?",
      "sig",
      "creds",
      "jwt",
    ].join("|") +
    ")$",
);

/** Names a delivery identifier, never a credential (`idempotency-key`). */
const NOT_A_CREDENTIAL = new Set(["idempotency"]);

/**
 * The words of a header or query parameter name: split at every character that is not a letter or a digit and at
 * camelCase humps, lower-cased (`X-Api-Key` → x, api, key; `accessToken` → access, token; `apikey` stays one word).
 */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * True when a header or query parameter name looks like it carries a credential: a key, token, secret,
 * password, auth value, session id, credential, signature or cookie. Matched on the name's words, so ordinary
 * names (`content-type`, `user-agent`, `x-github-event`, `page`, `keyword`, `monkey`, `author`) survive.
 * Memoised: every delivery asks about the same few header names (a sender's odd names only fill the bounded cache).
 */
export const isSensitiveName: (name: string) => boolean = boundedMemo((name) => {
  const words = wordsOf(name);
  if (words.some((w) => NOT_A_CREDENTIAL.has(w))) return false;
  return words.some((w) => CREDENTIAL_STEM.test(w) || CREDENTIAL_WORD.test(w));
}, 1_000);
