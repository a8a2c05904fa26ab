import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ManualClock,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  watchingClient,
  wsClient,
} from "./harness/index.js";
import { waitFor } from "./messages/room-fixtures.js";

const HOUR = 3_600_000;

describe("WebSockets of a session that ends", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("close with sessionEnded (4401) when the password changes elsewhere, and only those", async () => {
    const user = await signUp(server.url);
    const other = await rest(server.url, "POST", "/sessions", {
      body: { username: user.username, password: user.password },
    });
    const doomed = await watchingClient(server.url, user.token);
    const kept = await watchingClient(server.url, other.body.token);

    const changed = await rest(server.url, "PUT", "/me/password", {
      token: other.body.token,
      body: { currentPassword: user.password, newPassword: "a brand new password" },
    });
    expect(changed.status).toBe(200);
    expect(await doomed.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    await expect(kept.client.users.me.query()).resolves.toMatchObject({ user: { id: user.id } });
    expect(kept.closes).toEqual([]);
    doomed.close();
    kept.close();
  });
});

describe("WebSockets opened while their session ends", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("all close, however a log-out interleaves with their authentication", async () => {
    for (let round = 0; round < 5; round += 1) {
      const user = await signUp(server.url);
      const sockets = Array.from({ length: 20 }, () => {
        const closes: number[] = [];
        const ws = wsClient(server.url, { token: user.token, onClose: (cause) => closes.push(cause?.code ?? 0) });
        const socket = { ...ws, closes, answered: false };
        // A first call makes the socket authenticate; it may win or lose against the log-out.
        ws.client.users.me
          .query()
          .catch(() => {})
          .finally(() => {
            socket.answered = true;
          });
        return socket;
      });
      // Each round logs out at another point of the sockets' authentication: before any has
      // answered, then once a quarter, a half, three quarters and all of them have.
      const answered = (round * sockets.length) / 4;
      await waitFor(`${answered} sockets to answer`, () => sockets.filter((s) => s.answered).length >= answered);
      expect((await rest(server.url, "DELETE", "/sessions/current", { token: user.token })).status).toBe(200);
      await waitFor("every socket to close", () => sockets.every((s) => s.closes.length > 0), 5_000);
      for (const socket of sockets) {
        expect(socket.closes[0]).toBe(WS_CLOSE_CODES.sessionEnded);
        socket.close();
      }
    }
  });
});

describe("WebSockets of a session that expires", () => {
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      clock,
      config: { sessionIdleTtlSeconds: 3600, sessionAbsoluteTtlSeconds: 10 * 3600, wsSessionCheckMs: 20 },
    });
  });
  afterAll(() => server.stop());

  it("close with sessionEnded (4401) once the session expires, and its token stops working", async () => {
    const user = await signUp(server.url);
    const watcher = await watchingClient(server.url, user.token);
    clock.advance(HOUR + 1000);
    expect(await watcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect((await rest(server.url, "GET", "/me", { token: user.token })).status).toBe(401);
    watcher.close();
  });

  it("stay open while the token's uses elsewhere slide the expiry", async () => {
    const slid = await signUp(server.url);
    const idle = await signUp(server.url);
    const marker = await signUp(server.url);
    const slidWatcher = await watchingClient(server.url, slid.token);
    const idleWatcher = await watchingClient(server.url, idle.token);
    const markerWatcher = await watchingClient(server.url, marker.token);

    // REST calls slide `marker`'s expiry to 1.3 hours from now and `slid`'s to 1.6; nothing
    // slides `idle`'s (1 hour).
    clock.advance(0.3 * HOUR);
    expect((await rest(server.url, "GET", "/me", { token: marker.token })).status).toBe(200);
    clock.advance(0.3 * HOUR);
    expect((await rest(server.url, "GET", "/me", { token: slid.token })).status).toBe(200);

    // All three sockets have passed the expiry they were opened with; only `idle`'s session has ended.
    clock.advance(0.6 * HOUR);
    expect(await idleWatcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    // `marker`'s ends next. Its socket closing shows a later check has run: whatever closed
    // `slid`'s by mistake would have done so by then.
    clock.advance(0.2 * HOUR);
    expect(await markerWatcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect(slidWatcher.closes).toEqual([]);
    await expect(slidWatcher.client.users.me.query()).resolves.toMatchObject({ user: { id: slid.id } });

    clock.advance(0.3 * HOUR);
    expect(await slidWatcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    for (const watcher of [slidWatcher, idleWatcher, markerWatcher]) watcher.close();
  });
});
