import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, signUp, startTestServer, type TestServer } from "../harness/index.js";

const PASSWORD = "correct horse battery";

/** The one rule for names (shared/src/text/text-rules.ts), end to end on the suite's engine. */
describe("names", () => {
  let server: TestServer;
  let run: string;
  beforeAll(async () => {
    server = await startTestServer();
    // Letters only: usernames of this file must not look like those of another run.
    run = Math.random()
      .toString(36)
      .replace(/[^a-z]/g, "")
      .slice(0, 6);
  });
  afterAll(() => server.stop());

  const signUpAs = (username: string) => rest(server.url, "POST", "/users", { body: { username, password: PASSWORD } });
  const logInAs = (username: string) =>
    rest(server.url, "POST", "/sessions", { body: { username, password: PASSWORD } });

  it("refuses a username that looks like a taken one (Unicode TS #39 skeleton) with 409 USERNAME_TAKEN", async () => {
    expect((await signUpAs(`admin${run}`)).status).toBe(201);
    expect((await signUpAs(`alice${run}`)).status).toBe(201);
    for (const lookAlike of [`adrnin${run}`, `ADMlN${run}`, `a1ice${run}`, `aIice${run}`]) {
      const res = await signUpAs(lookAlike);
      expect([lookAlike, res.status, res.body.error.code]).toEqual([lookAlike, 409, "USERNAME_TAKEN"]);
    }
    // A name that only shares letters is free.
    expect((await signUpAs(`admit${run}`)).status).toBe(201);
  });

  it("refuses look-alike sign-ups racing each other: one account", async () => {
    const results = await Promise.all(
      [`b0b${run}`, `bob${run}`, `BOB${run}`, `bOb${run}`].map((username) => signUpAs(username)),
    );
    expect(results.map((res) => res.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it("logs in regardless of ASCII case, never by folding the Kelvin sign or full-width letters", async () => {
    expect((await signUpAs(`kate${run}`)).status).toBe(201);
    expect((await logInAs(`KATE${run}`)).status).toBe(200);
    for (const folded of [`\u212Aate${run}`, `ｋate${run}`]) {
      const res = await logInAs(folded);
      expect([res.status, res.body.error.code]).toEqual([401, "INVALID_CREDENTIALS"]);
    }
    // Nor can such a name be signed up.
    expect((await signUpAs(`\u212Aate${run}x`)).status).toBe(400);
  });

  it("refuses blank and invisible display names and room names, and stores names in NFKC", async () => {
    const alice = await signUp(server.url);
    for (const blank of ["\u3164", "\u2800", "\u3164\u3164", "\uffa0", "\u115f\u1160", "\u0301", "Bob\u3164"]) {
      const profile = await rest(server.url, "PATCH", "/me", { token: alice.token, body: { displayName: blank } });
      expect([JSON.stringify(blank), profile.status, profile.body.error.code]).toEqual([
        JSON.stringify(blank),
        400,
        "VALIDATION_FAILED",
      ]);
      const room = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { name: blank } });
      expect([JSON.stringify(blank), room.status]).toEqual([JSON.stringify(blank), 400]);
    }
    const named = await rest(server.url, "PATCH", "/me", {
      token: alice.token,
      body: { displayName: "Ａｌｉｃｅ \u212Aelvin ﬁsh" },
    });
    expect([named.status, named.body.user.displayName]).toEqual([200, "Alice Kelvin fish"]);
    const found = await rest(server.url, "GET", `/users?q=${encodeURIComponent("ａｌｉｃｅ ｋ")}`, {
      token: alice.token,
    });
    expect(found.body.users.map((user: { id: string }) => user.id)).toContain(alice.id);
    const room = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { name: "ｇｅｎｅｒａｌ" } });
    expect([room.status, room.body.room.name]).toEqual([201, "general"]);
  });
});
