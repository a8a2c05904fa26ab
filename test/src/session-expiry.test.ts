import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, rest, signUp, startTestServer, type TestServer } from "./harness/index.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("session expiry", () => {
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      clock,
      config: { sessionIdleTtlSeconds: 3600, sessionAbsoluteTtlSeconds: 3 * 3600 },
    });
  });
  afterAll(() => server.stop());

  const meStatus = async (token: string) => (await rest(server.url, "GET", "/me", { token })).status;

  it("tells the client how long the token lives unused", async () => {
    const res = await rest(server.url, "POST", "/users", {
      body: { username: "expiry_shape", password: "long enough" },
    });
    expect(res.body.expiresIn).toBe(3600);
  });

  it("expires a token left unused longer than the idle lifetime", async () => {
    const { token } = await signUp(server.url);
    clock.advance(HOUR - MINUTE);
    expect(await meStatus(token)).toBe(200);
    clock.advance(HOUR);
    expect(await meStatus(token)).toBe(401);
  });

  it("slides the idle expiry forward on use, but never past the absolute lifetime", async () => {
    const { token } = await signUp(server.url);
    // Used every 50 minutes, the token outlives its one-hour idle lifetime...
    for (let elapsed = 50; elapsed < 180; elapsed += 50) {
      clock.advance(50 * MINUTE);
      expect(await meStatus(token)).toBe(200);
    }
    // ...but not its three-hour absolute lifetime.
    clock.advance(50 * MINUTE);
    expect(await meStatus(token)).toBe(401);
  });

  it("answers an expired token like an unknown one, and log-out stays idempotent", async () => {
    const { token } = await signUp(server.url);
    clock.advance(2 * HOUR);
    const res = await rest(server.url, "GET", "/me", { token });
    expect(res.body.error.code).toBe("UNAUTHENTICATED");
    expect((await rest(server.url, "DELETE", "/sessions/current", { token })).status).toBe(200);
  });
});
