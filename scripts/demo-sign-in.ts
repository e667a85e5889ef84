import type { Config } from "@switchyard/core/config";

/**
 * What `make demo` prints at its end about the dashboards: where they are and how to sign in, or why they are
 * locked; and whether webhook secrets can be saved.
 */
export function signInLines(
  config: Pick<Config, "API_URL" | "ADMIN_USERNAME" | "ADMIN_PASSWORD" | "SECRET_KEY">,
): string[] {
  const base = config.API_URL.replace(/\/+$/, "");
  const lines = [`runs dashboard: ${base}/admin`, `Bull Board:     ${base}/admin/queues`];
  if (config.ADMIN_USERNAME !== undefined) {
    lines.push(
      `sign in to both as ${config.ADMIN_USERNAME}, with the password in ADMIN_PASSWORD (grep ^ADMIN_PASSWORD= .env)`,
    );
  } else {
    lines.push(
      "both are locked: set ADMIN_USERNAME and ADMIN_PASSWORD (in .env) and run make demo again, or sign in with an API key as the password (make api-key NAME=ops SCOPES=admin)",
    );
  }
  if (config.SECRET_KEY === undefined) {
    lines.push("SECRET_KEY is not set: webhook secrets cannot be saved until it is (.env.example says how)");
  }
  return lines;
}
