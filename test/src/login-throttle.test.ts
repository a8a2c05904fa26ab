import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, rest, signUp, startTestServer, type TestServer, uniqueUsername } from "./harness/index.js";

describe("log-in throttling", () => {
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ clock, config: { loginMaxFailures: 3, loginThrottleWindowSeconds: 60 } });
  });
  afterAll(() => server.stop());

  const logIn = (username: string, password: string) =>
    rest(server.url, "POST", "/sessions", { body: { username, password } });

  it("refuses a username with too many recent failures, even with the right password, until the window ends", async () => {
    const user = await signUp(server.url);
    for (let i = 0; i < 3; i += 1) expect((await logIn(user.username, "wrong password!")).status).toBe(401);
    clock.advance(10_000);
    const refused = await logIn(user.username.toUpperCase(), user.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("50");
    expect(refused.body).toEqual({
      error: { code: "RATE_LIMITED", message: expect.any(String), retryAfterSeconds: 50 },
    });
    expect((await logIn(uniqueUsername(), "wrong password!")).status).toBe(401);

    clock.advance(50_000);
    expect((await logIn(user.username, user.password)).status).toBe(200);
  });

  it("answers a name nobody has exactly as an existing one, so refusals reveal no account", async () => {
    const user = await signUp(server.url);
    const ghost = uniqueUsername("ghost");
    const answers = [];
    for (const name of [user.username, ghost]) {
      for (let i = 0; i < 3; i += 1) await logIn(name, "wrong password!");
      answers.push(await logIn(name, "wrong password!"));
    }
    expect(answers.map((a) => a.status)).toEqual([429, 429]);
    expect(answers[0]?.body).toEqual(answers[1]?.body);
    clock.advance(60_000);
  });

  it("forgets failures once the right password is given", async () => {
    const user = await signUp(server.url);
    for (let i = 0; i < 2; i += 1) await logIn(user.username, "wrong password!");
    expect((await logIn(user.username, user.password)).status).toBe(200);
    for (let i = 0; i < 2; i += 1) expect((await logIn(user.username, "wrong password!")).status).toBe(401);
    expect((await logIn(user.username, user.password)).status).toBe(200);
  });
});
