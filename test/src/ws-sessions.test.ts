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
        // A first call makes the socket authenticate; it may win or lose against the log-out.
        ws.client.users.me.query().catch(() => {});
        return { ...ws, closes };
      });
      await new Promise((resolve) => setTimeout(resolve, round * 2));
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
    const slidWatcher = await watchingClient(server.url, slid.token);
    const idleWatcher = await watchingClient(server.url, idle.token);

    clock.advance(0.6 * HOUR);
    // A REST call slides `slid`'s expiry to an hour from now; nothing slides `idle`'s.
    expect((await rest(server.url, "GET", "/me", { token: slid.token })).status).toBe(200);
    clock.advance(0.6 * HOUR);

    // Both sockets have passed the expiry they were opened with; the sweep that closes
    // `idle`'s also re-checks `slid`'s, and a few more sweeps follow.
    expect(await idleWatcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(slidWatcher.closes).toEqual([]);
    await expect(slidWatcher.client.users.me.query()).resolves.toMatchObject({ user: { id: slid.id } });

    clock.advance(0.5 * HOUR);
    expect(await slidWatcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    slidWatcher.close();
    idleWatcher.close();
  });
});
