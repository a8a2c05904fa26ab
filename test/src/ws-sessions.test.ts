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
import { newRoom, send, waitFor, watchRoom } from "./messages/room-fixtures.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

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
      config: { sessionIdleTtlSeconds: 3600, sessionAbsoluteTtlSeconds: 10 * 3600 },
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

  it("close at the absolute expiry, however often the token is used elsewhere", async () => {
    const user = await signUp(server.url);
    const watcher = await watchingClient(server.url, user.token);
    const absoluteExpiry = clock.now() + 10 * HOUR;
    // Used every 50 minutes, the idle expiry keeps sliding, up to the 10-hour absolute one.
    while (clock.now() + 50 * MINUTE < absoluteExpiry) {
      clock.advance(50 * MINUTE);
      expect((await rest(server.url, "GET", "/me", { token: user.token })).status).toBe(200);
    }
    clock.advance(absoluteExpiry - MINUTE - clock.now());
    await expect(watcher.client.users.me.query()).resolves.toMatchObject({ user: { id: user.id } });
    expect(watcher.closes).toEqual([]);
    clock.advance(MINUTE);
    expect(await watcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    watcher.close();
  });
});

describe("WebSockets of a session that expires, on the wall clock", () => {
  const ttlSeconds = 3;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { sessionIdleTtlSeconds: ttlSeconds, sessionAbsoluteTtlSeconds: ttlSeconds, rateLimits: "off" },
    });
  });
  afterAll(() => server.stop());

  it("close with sessionEnded (4401) at the expiry instant, and no closed-room event created after it arrives", async () => {
    const signedUpFrom = Date.now();
    const member = await signUp(server.url);
    const expiry = Date.now() + ttlSeconds * 1000;
    const earliestExpiry = signedUpFrom + ttlSeconds * 1000;
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner, { open: false, members: [member] });
    const watcher = await watchingClient(server.url, member.token);
    const watch = watchRoom(watcher.client, roomId);

    // The grace covers the database check the server makes at the expiry instant (an idle
    // expiry may have slid), during which a message may still go out.
    const graceMs = 250;
    // The owner keeps writing past the member's expiry, signing in again as its own short
    // sessions run out, until the member's socket has closed and the grace is well over.
    let closedAt: number | undefined;
    void watcher.firstClose.then(() => {
      closedAt = Date.now();
    });
    let sender = owner;
    let senderExpiry = earliestExpiry;
    const sent: string[] = [];
    const writing = (async () => {
      while ((closedAt === undefined || Date.now() < expiry + 2 * graceMs) && Date.now() < expiry + 5_000) {
        if (Date.now() > senderExpiry - 1_500) {
          const signedInFrom = Date.now();
          const session = await rest(server.url, "POST", "/sessions", {
            body: { username: owner.username, password: owner.password },
          });
          sender = { ...owner, token: session.body.token };
          senderExpiry = signedInFrom + ttlSeconds * 1000;
        }
        sent.push((await send(server.url, sender, roomId, "still here?")).createdAt);
      }
    })();
    await watch.until("a first message", (events) => events.length > 0);
    await writing;

    expect(closedAt, "the socket closed within 5 s of its expiry (the old sweep ran every 30 s)").toBeDefined();
    expect(await watcher.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect(closedAt).toBeGreaterThanOrEqual(earliestExpiry);
    // Messages were still being written after the expiry, and none of them reached the socket.
    expect(sent.some((createdAt) => Date.parse(createdAt) > expiry + graceMs)).toBe(true);
    const lastHeard = Math.max(...watch.events.map((event) => Date.parse(event.at)));
    expect(lastHeard).toBeLessThanOrEqual(expiry + graceMs);
    watcher.close();
  });
});
