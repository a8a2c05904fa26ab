import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, rest, signUp, startTestServer, type TestServer, watchingClient } from "../harness/index.js";

/** Logs `user` in again with a given User-Agent; answers the new token. */
async function logInAs(url: string, user: { username: string; password: string }, userAgent: string) {
  const res = await rest(url, "POST", "/sessions", {
    body: { username: user.username, password: user.password },
    headers: { "user-agent": userAgent },
  });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

describe("my sessions", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("lists each session with its user agent, times and the caller's own as current", async () => {
    const user = await signUp(server.url);
    const phone = await logInAs(server.url, user, "NatterPhone/1.0");
    const res = await rest(server.url, "GET", "/me/sessions", { token: phone });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body.sessions).toHaveLength(2);
    const current = res.body.sessions.find((s: { current: boolean }) => s.current);
    expect(current).toEqual({
      id: expect.any(String),
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      expiresAt: expect.any(String),
      userAgent: "NatterPhone/1.0",
      current: true,
    });
    expect(res.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(Date.parse(current.expiresAt)).toBeGreaterThan(Date.parse(current.createdAt));
    // Nobody else's sessions show.
    const other = await signUp(server.url);
    const theirs = await rest(server.url, "GET", "/me/sessions", { token: other.token });
    expect(theirs.body.sessions).toHaveLength(1);
  });

  it("ends one session: its token stops working and its sockets close with 4401 at once", async () => {
    const user = await signUp(server.url);
    const laptop = await logInAs(server.url, user, "Laptop");
    const socket = await watchingClient(server.url, laptop);
    const kept = await watchingClient(server.url, user.token);
    const list = await rest(server.url, "GET", "/me/sessions", { token: user.token });
    const target = list.body.sessions.find((s: { userAgent: string }) => s.userAgent === "Laptop");

    const ended = await rest(server.url, "DELETE", `/me/sessions/${target.id}`, { token: user.token });
    expect(ended.status).toBe(200);
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect((await rest(server.url, "GET", "/me", { token: laptop })).status).toBe(401);
    await expect(kept.client.users.me.query()).resolves.toMatchObject({ user: { id: user.id } });
    socket.close();
    kept.close();
  });

  it("answers 404 SESSION_NOT_FOUND for someone else's session, and leaves it alone", async () => {
    const [alice, mallory] = [await signUp(server.url), await signUp(server.url)];
    const aliceSessions = await rest(server.url, "GET", "/me/sessions", { token: alice.token });
    const res = await rest(server.url, "DELETE", `/me/sessions/${aliceSessions.body.sessions[0].id}`, {
      token: mallory.token,
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("SESSION_NOT_FOUND");
    expect((await rest(server.url, "GET", "/me", { token: alice.token })).status).toBe(200);
  });

  it("ends every other session, closing their sockets, and keeps the current one", async () => {
    const user = await signUp(server.url);
    const others = [await logInAs(server.url, user, "A"), await logInAs(server.url, user, "B")];
    const sockets = await Promise.all(others.map((token) => watchingClient(server.url, token)));
    const res = await httpClient(server.url, user.token).sessions.endOthers.mutate();
    expect(res).toEqual({ ended: 2 });
    expect(await Promise.all(sockets.map((s) => s.firstClose))).toEqual([
      WS_CLOSE_CODES.sessionEnded,
      WS_CLOSE_CODES.sessionEnded,
    ]);
    for (const token of others) expect((await rest(server.url, "GET", "/me", { token })).status).toBe(401);
    const left = await rest(server.url, "GET", "/me/sessions", { token: user.token });
    expect(left.body.sessions.map((s: { current: boolean }) => s.current)).toEqual([true]);
    for (const s of sockets) s.close();
  });
});
