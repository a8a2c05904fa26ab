import { describe, expect, it } from "vitest";
import { clientAddressKey } from "./client-address.js";

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
