import { BlockList, isIP } from "node:net";

/** The settings an address refusal names: the one that would allow the address. */
export type AddressPolicyOptions = {
  /** HTTP_REQUEST_DENY_PRIVATE: refuse loopback, private and other non-public ranges too. */
  denyPrivate: boolean;
  /** HTTP_REQUEST_ALLOW_HOSTS: host names (exact, any case) and IPs or CIDRs that are never refused. */
  allowHosts: readonly string[];
};

/** Thrown at connect time (from the DNS lookup or before an IP literal is dialled); the node fails with it. */
export class AddressRefusedError extends Error {
  override name = "AddressRefusedError";
}

export type AddressPolicy = {
  /** The refusal for connecting to `address` on behalf of `host` (the URL's host name), or null when allowed. */
  check: (address: string, host: string) => AddressRefusedError | null;
};

type AddressClass = { label: string; always: boolean; list: BlockList };

type Range = readonly [address: string, prefix: number];

/**
 * Refused whatever the settings say: reaching them from a workflow means reading the host's cloud credentials
 * (AWS, GCP, Azure, Oracle, DigitalOcean: 169.254.169.254; AWS IPv6: fd00:ec2::254; GCP IPv6: fd20:ce::254;
 * Alibaba: 100.100.100.200; Azure's WireServer: 168.63.129.16) or other hosts on the local link.
 */
const METADATA: readonly Range[] = [
  ["169.254.169.254", 32],
  ["fd00:ec2::254", 128],
  ["fd20:ce::254", 128],
  ["100.100.100.200", 32],
  ["168.63.129.16", 32],
];
const LINK_LOCAL: readonly Range[] = [
  ["169.254.0.0", 16],
  ["fe80::", 10],
];
/** Refused with HTTP_REQUEST_DENY_PRIVATE=true: the operator's own network and this host. */
const LOOPBACK: readonly Range[] = [
  ["127.0.0.0", 8],
  ["::1", 128],
];
const UNSPECIFIED: readonly Range[] = [
  // 0.0.0.0 (and ::) dial this host on Linux.
  ["0.0.0.0", 8],
  ["::", 128],
];
const PRIVATE: readonly Range[] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["fc00::", 7],
];
const SHARED: readonly Range[] = [["100.64.0.0", 10]];
const RESERVED: readonly Range[] = [
  ["192.0.0.0", 24],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
  ["ff00::", 8],
];

/**
 * Which addresses an `http.request` may connect to. Each IPv4 range also covers its IPv6 spellings a resolver
 * or a URL may produce: IPv4-mapped (::ffff:a.b.c.d, matched by BlockList itself), IPv4-compatible (::a.b.c.d),
 * NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::).
 */
export function createAddressPolicy(options: AddressPolicyOptions): AddressPolicy {
  const classes: AddressClass[] = [
    { label: "cloud metadata address", always: true, list: blockListOf(METADATA) },
    { label: "link-local address", always: true, list: blockListOf(LINK_LOCAL) },
    { label: "loopback address", always: false, list: blockListOf(LOOPBACK) },
    { label: "unspecified address", always: false, list: blockListOf(UNSPECIFIED) },
    { label: "private address", always: false, list: blockListOf(PRIVATE) },
    { label: "shared (carrier-grade NAT) address", always: false, list: blockListOf(SHARED) },
    { label: "reserved or multicast address", always: false, list: blockListOf(RESERVED) },
  ];
  const allowedNames = new Set<string>();
  const allowedAddresses = new BlockList();
  for (const entry of options.allowHosts) {
    const [address, prefix] = entry.split("/");
    const family = isIP(address ?? "");
    if (family === 0) allowedNames.add(normalizeHost(entry));
    else if (prefix === undefined) allowedAddresses.addAddress(address!, family === 4 ? "ipv4" : "ipv6");
    else allowedAddresses.addSubnet(address!, Number(prefix), family === 4 ? "ipv4" : "ipv6");
  }
  return {
    check: (rawAddress, host) => {
      // A scoped IPv6 address (fe80::1%eth0) is checked without its zone.
      const address = rawAddress.split("%")[0] ?? rawAddress;
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (allowedNames.has(normalizeHost(host)) || allowedAddresses.check(address, family)) return null;
      for (const c of classes) {
        if (!c.list.check(address, family)) continue;
        if (!c.always && !options.denyPrivate) return null;
        const why = c.always ? "refused by default" : "refused because HTTP_REQUEST_DENY_PRIVATE=true";
        const named = host === address ? address : `${host} (${address})`;
        return new AddressRefusedError(`${named} is a ${c.label} (${why}; HTTP_REQUEST_ALLOW_HOSTS can allow it)`);
      }
      return null;
    },
  };
}

function blockListOf(ranges: readonly Range[]): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of ranges) {
    if (isIP(address) === 6) {
      list.addSubnet(address, prefix, "ipv6");
      continue;
    }
    list.addSubnet(address, prefix, "ipv4");
    list.addSubnet(`::${address}`, 96 + prefix, "ipv6");
    list.addSubnet(`64:ff9b::${address}`, 96 + prefix, "ipv6");
    list.addSubnet(`2002:${sixToFourHex(address)}::`, 16 + prefix, "ipv6");
  }
  return list;
}

/** 169.254.0.0 -> "a9fe:0": the IPv4 address as the two groups a 6to4 prefix carries. */
function sixToFourHex(address: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = address.split(".").map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** Host names compare without case and without a trailing dot (`Example.com.` is `example.com`). */
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}
