import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type { Agent } from "undici";
import type { AddressPolicy } from "./address-policy";

/** Resolves a host name to every address it has (dns.lookup with `all`); tests pass their own. */
export type ResolveHost = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

export type GuardedAgentOptions = {
  policy: AddressPolicy;
  /** Largest response head (status line and headers) read; past it the request fails. */
  maxHeaderBytes: number;
  resolveHost?: ResolveHost;
};

const resolveWithDns: ResolveHost = (hostname, options) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/**
 * An undici Agent that checks every address it is about to dial against `policy`, at connect time: a host name's
 * addresses as the lookup that feeds the socket returns them (so a DNS answer that changes between a check and
 * the connect, DNS rebinding, cannot slip past: there is no earlier check), and an IP literal (which skips the
 * lookup) before the socket is made. Every redirect hop connects through here too. A refusal fails the request
 * with an AddressRefusedError as its cause.
 */
export async function createGuardedAgent(options: GuardedAgentOptions): Promise<Agent> {
  // undici loads on the first http.request of a process, not at start (the api never needs it).
  const { Agent, buildConnector } = await import("undici");
  const { policy } = options;
  const resolveHost = options.resolveHost ?? resolveWithDns;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolveHost(hostname, lookupOptions).then(
      (addresses) => {
        for (const { address } of addresses) {
          const refusal = policy.check(address, hostname);
          if (refusal !== null) return callback(refusal, "", 0);
        }
        const first = addresses[0];
        if (first === undefined)
          return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
        if (lookupOptions.all === true) return callback(null, addresses);
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
  const connect = buildConnector({ lookup });
  return new Agent({
    maxHeaderSize: options.maxHeaderBytes,
    connect: (connectOptions, callback) => {
      const { hostname } = connectOptions;
      if (isIP(hostname) !== 0) {
        const refusal = policy.check(hostname, hostname);
        if (refusal !== null) return callback(refusal, null);
      }
      connect(connectOptions, callback);
    },
  });
}
