import type { Config } from "../../config";
import type { ResolveHost } from "./create-guarded-agent";

/** What an operator sets for every `http.request` of a process (config.ts, docs/security.md). */
export type HttpRequestOptions = {
  /** HTTP_REQUEST_MAX_RESPONSE_BYTES: the most a node's `max_response_bytes` may be. */
  maxResponseBytesCeiling: number;
  /** HTTP_REQUEST_RESPONSE_BUDGET_MB: response bodies being read at once in this process, all nodes together. */
  responseBudgetMb: number;
  /** HTTP_REQUEST_DENY_PRIVATE: refuse loopback and private ranges too, not only link-local and metadata. */
  denyPrivate: boolean;
  /** HTTP_REQUEST_ALLOW_HOSTS: host names, IPs and CIDRs never refused. */
  allowHosts: readonly string[];
  /** Resolves host names (dns.lookup by default): tests point a name at an address of their choice. */
  resolveHost?: ResolveHost;
};

export function httpRequestOptionsOf(config: Config): HttpRequestOptions {
  return {
    maxResponseBytesCeiling: config.HTTP_REQUEST_MAX_RESPONSE_BYTES,
    responseBudgetMb: config.HTTP_REQUEST_RESPONSE_BUDGET_MB,
    denyPrivate: config.HTTP_REQUEST_DENY_PRIVATE,
    allowHosts: config.HTTP_REQUEST_ALLOW_HOSTS,
  };
}
