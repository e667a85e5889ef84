import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createAddressPolicy } from "./address-policy";

const refusal = (policy: ReturnType<typeof createAddressPolicy>, address: string, host = address) =>
  policy.check(address, host)?.message ?? null;

describe("address policy", () => {
  const standard = createAddressPolicy({ denyPrivate: false, allowHosts: [] });
  const strict = createAddressPolicy({ denyPrivate: true, allowHosts: [] });

  it("refuses metadata and link-local addresses in any IPv6 spelling of them", () => {
    for (const address of [
      "169.254.169.254",
      "::ffff:169.254.169.254",
      "::ffff:a9fe:a9fe",
      "::a9fe:a9fe",
      "64:ff9b::a9fe:a9fe",
      "2002:a9fe:a9fe::",
      "fd00:ec2::254",
      "fd20:ce::254",
      "100.100.100.200",
      "168.63.129.16",
      "169.254.0.1",
      "fe80::1",
      "fe80::1%eth0",
    ]) {
      assert.match(
        refusal(standard, address) ?? "",
        /is a (cloud metadata|link-local) address \(refused by default;/,
        address,
      );
    }
  });

  it("allows loopback, private and public addresses unless HTTP_REQUEST_DENY_PRIVATE is set", () => {
    const inner = [
      "127.0.0.1",
      "::1",
      "10.0.0.1",
      "172.16.0.1",
      "192.168.1.1",
      "fc00::1",
      "100.64.0.1",
      "0.0.0.0",
      "::",
    ];
    for (const address of inner) assert.equal(refusal(standard, address), null, address);
    for (const address of inner)
      assert.match(refusal(strict, address) ?? "", /HTTP_REQUEST_DENY_PRIVATE=true/, address);
    for (const address of ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "172.32.0.1", "100.128.0.1"]) {
      assert.equal(refusal(strict, address), null, address);
    }
  });

  it("names the host and the address class it refuses", () => {
    assert.equal(
      refusal(strict, "::1", "localhost"),
      "localhost (::1) is a loopback address (refused because HTTP_REQUEST_DENY_PRIVATE=true; HTTP_REQUEST_ALLOW_HOSTS can allow it)",
    );
    assert.equal(
      refusal(standard, "169.254.169.254"),
      "169.254.169.254 is a cloud metadata address (refused by default; HTTP_REQUEST_ALLOW_HOSTS can allow it)",
    );
  });

  it("exempts the listed host names (any case, trailing dot) and addresses or ranges, metadata included", () => {
    const policy = createAddressPolicy({
      denyPrivate: true,
      allowHosts: ["Metadata.Google.Internal", "10.20.0.0/16", "fd00:ec2::254", "::1"],
    });
    assert.equal(refusal(policy, "169.254.169.254", "metadata.google.internal."), null);
    assert.equal(refusal(policy, "10.20.3.4"), null);
    assert.equal(refusal(policy, "fd00:ec2::254"), null);
    assert.equal(refusal(policy, "::1", "localhost"), null);
    assert.match(refusal(policy, "10.21.0.1") ?? "", /private address/);
    assert.match(refusal(policy, "169.254.169.254", "other.internal") ?? "", /cloud metadata address/);
  });
});
