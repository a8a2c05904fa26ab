import { describe, expect, it } from "vitest";
import { TrustedProxies } from "../config/trusted-proxies.js";
import { clientAddressKey, requestClientAddress } from "./client-address.js";

describe("clientAddressKey", () => {
  it("counts an IPv4 address as itself, mapped or not", () => {
    expect(clientAddressKey("10.1.2.3")).toBe("10.1.2.3");
    expect(clientAddressKey("::ffff:10.1.2.3")).toBe("10.1.2.3");
  });

  it("counts an IPv6 address as its /64 network, however it is written", () => {
    expect(clientAddressKey("2001:db8:0:1::5")).toBe("2001:db8:0:1::/64");
    expect(clientAddressKey("2001:0db8:0000:0001:ffff:1:2:3")).toBe("2001:db8:0:1::/64");
    expect(clientAddressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientAddressKey("::1")).toBe("0:0:0:0::/64");
  });

  it("gives a socket without an address one shared key", () => {
    expect(clientAddressKey(undefined)).toBe("unknown");
  });
});

describe("requestClientAddress", () => {
  const proxies = new TrustedProxies(["10.0.0.0/8", "fd00::/8", "192.0.2.7"]);
  const from = (peer: string, forwardedFor?: string) => ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  });

  it("takes the socket's address unless the peer is a trusted proxy", () => {
    expect(requestClientAddress(from("203.0.113.5", "198.51.100.1"), proxies)).toBe("203.0.113.5");
    expect(requestClientAddress(from("203.0.113.5", "198.51.100.1"), new TrustedProxies([]))).toBe("203.0.113.5");
    expect(requestClientAddress(from("::ffff:10.1.2.3", "198.51.100.1"), proxies)).toBe("198.51.100.1");
    expect(requestClientAddress(from("192.0.2.7", "2001:db8:0:1::9"), proxies)).toBe("2001:db8:0:1::/64");
  });

  it("believes the nearest untrusted hop, never what the client wrote before it", () => {
    expect(requestClientAddress(from("10.0.0.1", "6.6.6.6, 198.51.100.1, 10.9.9.9"), proxies)).toBe("198.51.100.1");
    expect(requestClientAddress(from("fd00::1", "10.0.0.2, 10.0.0.3"), proxies)).toBe("10.0.0.2");
    expect(requestClientAddress(from("10.0.0.1", "not-an-ip, 10.0.0.3"), proxies)).toBe("10.0.0.3");
    expect(requestClientAddress(from("10.0.0.1"), proxies)).toBe("10.0.0.1");
  });

  it("refuses a setting that is no address or network", () => {
    for (const entry of ["10.0.0.0/33", "10.0.0", "fd00::/129", "example.com", "::1::2"]) {
      expect(() => new TrustedProxies([entry]), entry).toThrow();
    }
  });
});
