import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, startTestServer, type TestServer, uniqueUsername } from "../harness/index.js";

/** Signs up a new user with `X-Forwarded-For: forwardedFor`; answers the status. */
async function signUpVia(server: TestServer, forwardedFor: string): Promise<number> {
  const res = await rest(server.url, "POST", "/users", {
    headers: { "x-forwarded-for": forwardedFor },
    body: { username: uniqueUsername("proxied"), password: "correct horse battery" },
  });
  return res.status;
}

/** Per-address limits count the client behind a trusted proxy, and only behind one (the tests connect from 127.0.0.1). */
describe.each([
  { trusted: "127.0.0.1", what: "behind a trusted proxy" },
  { trusted: "", what: "from an untrusted peer" },
])("sign-up limits per address, $what", ({ trusted }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { trustedProxies: trusted, signUpRatePerAddress: "2/1h" } });
  });
  afterAll(() => server.stop());

  it(
    trusted ? "count each forwarded client apart" : "ignore X-Forwarded-For: the socket's address counts",
    async () => {
      expect(await signUpVia(server, "203.0.113.1")).toBe(201);
      expect(await signUpVia(server, "203.0.113.1")).toBe(201);
      expect(await signUpVia(server, "203.0.113.1")).toBe(429);
      // Another client: its own count behind a trusted proxy; the same peer's otherwise.
      expect(await signUpVia(server, "203.0.113.2")).toBe(trusted ? 201 : 429);
      // Addresses the client writes before the proxy's own entry are never believed.
      expect(await signUpVia(server, "198.51.100.9, 203.0.113.1")).toBe(429);
    },
  );
});
