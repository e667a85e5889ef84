/** The credentials an Authorization header carries; parsing only, no checking. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return match?.[1]?.trim();
}

export type BasicCredentials = { username: string; password: string };

export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const sep = decoded.indexOf(":");
  return sep < 0 ? null : { username: decoded.slice(0, sep), password: decoded.slice(sep + 1) };
}
