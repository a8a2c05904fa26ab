import type { AdminStats } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createRoom,
  grantServerAdmin,
  httpClient,
  ManualClock,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { png } from "../uploads/images.js";
import { uploaded } from "../uploads/upload-client.js";

const HOUR = 3_600_000;
const WAIT = { timeout: 10_000, interval: 20 };

describe("admin statistics", () => {
  let server: TestServer;
  let admin: TestUser;
  const clock = new ManualClock(Date.parse("2026-06-01T10:30:00.000Z"));

  const stats = async (): Promise<AdminStats> => {
    const res = await rest(server.url, "GET", "/admin/stats", { token: admin.token });
    expect(res.status).toBe(200);
    return res.body;
  };
  const send = async (token: string, roomId: string, body = "hello") => {
    const res = await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token, body: { body } });
    expect(res.status).toBe(201);
    return res.body.message.id as string;
  };

  beforeAll(async () => {
    server = await startTestServer({ clock });
    admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
  });
  afterAll(() => server.stop());

  it("follows every write: users, open and closed rooms, stored messages", async () => {
    const before = await stats();
    const [alice, bob] = [await signUp(server.url), await signUp(server.url)];
    const open = await createRoom(server.url, alice.token, { open: true, memberIds: [bob.id] });
    const closed = await createRoom(server.url, alice.token, { open: false });
    const gone = await createRoom(server.url, bob.token, { open: true });
    const first = await send(alice.token, open.id);
    await send(bob.token, open.id);
    await send(alice.token, closed.id);
    await send(bob.token, gone.id);
    await send(bob.token, gone.id);
    expect(
      (await rest(server.url, "DELETE", `/rooms/${open.id}/messages/${first}`, { token: alice.token })).status,
    ).toBe(200);
    // Closing a room moves it from one count to the other; deleting one takes its messages.
    expect(
      (await rest(server.url, "PATCH", `/rooms/${closed.id}`, { token: alice.token, body: { open: true } })).status,
    ).toBe(200);
    expect((await rest(server.url, "DELETE", `/rooms/${gone.id}`, { token: bob.token })).status).toBe(200);

    const after = await stats();
    expect(after.users.total - before.users.total).toBe(2);
    expect(after.rooms.open - before.rooms.open).toBe(2);
    expect(after.rooms.closed - before.rooms.closed).toBe(0);
    expect(after.rooms.total).toBe(after.rooms.open + after.rooms.closed);
    // Five sent, one deleted, two gone with their room.
    expect(after.messages.total - before.messages.total).toBe(2);
    // The hourly series counts the same messages: the deleted ones and those of the deleted
    // room are out of it too, so the two figures the admin page shows agree.
    expect(after.messages.last24h - before.messages.last24h).toBe(2);
    expect(after.messages.last24h).toBeLessThanOrEqual(after.messages.total);
    expect(after.users.admins).toBe(1);
  });

  it("answers the same figures over tRPC", async () => {
    const viaRest = await stats();
    const viaTrpc = await httpClient(server.url, admin.token).admin.stats.query();
    expect({ ...viaTrpc, generatedAt: null }).toEqual({ ...viaRest, generatedAt: null });
  });

  it("buckets sent messages by hour over the last 24 hours, oldest first", async () => {
    const user = await signUp(server.url);
    const room = await createRoom(server.url, user.token);
    clock.advance(HOUR);
    await send(user.token, room.id);
    await send(user.token, room.id);
    const now = await stats();
    expect(now.messages.perHour).toHaveLength(24);
    const current = now.messages.perHour.at(-1);
    expect(current?.hour).toBe(new Date(Math.floor(clock.now() / HOUR) * HOUR).toISOString());
    expect(current?.count).toBe(2);
    const hours = now.messages.perHour.map((bucket) => Date.parse(bucket.hour));
    expect(hours.slice(1).map((hour, i) => hour - (hours[i] ?? 0))).toEqual(Array(23).fill(HOUR));
    expect(now.messages.last24h).toBe(now.messages.perHour.reduce((sum, bucket) => sum + bucket.count, 0));

    // A day later those two have moved out of the window, and the totals kept them.
    clock.advance(24 * HOUR);
    const later = await stats();
    expect(later.messages.perHour.every((bucket) => bucket.count === 0)).toBe(true);
    expect(later.messages.total).toBe(now.messages.total);
  });

  it("counts active sessions and the users active in the last 24 hours", async () => {
    const before = await stats();
    const user = await signUp(server.url);
    const again = await rest(server.url, "POST", "/sessions", {
      body: { username: user.username, password: user.password },
    });
    const during = await stats();
    expect(during.sessions.active - before.sessions.active).toBe(2);
    expect(during.users.active24h - before.users.active24h).toBe(1);
    expect((await rest(server.url, "DELETE", "/sessions/current", { token: again.body.token })).status).toBe(200);
    expect((await stats()).sessions.active - before.sessions.active).toBe(1);
  });

  it("counts the sockets and room watchers the transports hold right now", async () => {
    const user = await signUp(server.url);
    const room = await createRoom(server.url, user.token);
    const before = await stats();
    const ws = wsClient(server.url, { token: user.token });
    const subscription = ws.client.rooms.events.subscribe({ roomId: room.id }, { onData: () => undefined });
    try {
      await vi.waitFor(async () => {
        const { live } = await stats();
        expect(live).toEqual({ sockets: before.live.sockets + 1, watchers: before.live.watchers + 1 });
      }, WAIT);
      subscription.unsubscribe();
      await vi.waitFor(async () => expect((await stats()).live.watchers).toBe(before.live.watchers), WAIT);
    } finally {
      ws.close();
    }
    await vi.waitFor(async () => expect((await stats()).live.sockets).toBe(before.live.sockets), WAIT);
  });

  it("counts an open event stream (Server-Sent Events) as a socket watching a room", async () => {
    const user = await signUp(server.url);
    const room = await createRoom(server.url, user.token);
    const before = await stats();
    const stop = new AbortController();
    const stream = await fetch(`${server.url}/api/v1/rooms/${room.id}/events`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${user.token}` },
      signal: stop.signal,
    });
    expect(stream.status).toBe(200);
    await vi.waitFor(async () => {
      const { live } = await stats();
      expect(live).toEqual({ sockets: before.live.sockets + 1, watchers: before.live.watchers + 1 });
    }, WAIT);
    stop.abort();
    await vi.waitFor(async () => expect((await stats()).live).toEqual(before.live), WAIT);
  });

  it("counts uploads and their stored bytes once per content", async () => {
    const user = await signUp(server.url);
    const before = await stats();
    const bytes = png(5, 5);
    await uploaded(server.url, user.token, bytes);
    await uploaded(server.url, user.token, bytes);
    const after = await stats();
    expect(after.uploads.count - before.uploads.count).toBe(2);
    expect(after.uploads.storedBytes - before.uploads.storedBytes).toBe(bytes.length);
  });
});

describe("admin statistics under message retention", () => {
  const clock = new ManualClock();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      config: {
        messageRetentionDays: 30,
        messageRetentionIntervalMs: 20,
        // The clock jumps a month; the session must outlive it.
        sessionIdleTtlSeconds: 365 * 24 * 3600,
        sessionAbsoluteTtlSeconds: 365 * 24 * 3600,
      },
    });
  });
  afterAll(() => server.stop());

  it("stops counting the messages retention deletes, tombstones included only once", async () => {
    const admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
    const total = async () =>
      (await rest(server.url, "GET", "/admin/stats", { token: admin.token })).body.messages.total as number;
    const room = await createRoom(server.url, admin.token);
    const say = async () =>
      (await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: admin.token, body: { body: "old" } })).body
        .message.id as string;
    const before = await total();
    await say();
    await say();
    const gone = await say();
    await rest(server.url, "DELETE", `/rooms/${room.id}/messages/${gone}`, { token: admin.token });
    expect(await total()).toBe(before + 2);

    clock.advance(31 * 24 * HOUR);
    await vi.waitFor(async () => {
      const history = await rest(server.url, "GET", `/rooms/${room.id}/messages`, { token: admin.token });
      expect(history.body.messages).toEqual([]);
    }, WAIT);
    expect(await total()).toBe(before);
  });
});
