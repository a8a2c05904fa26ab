import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  grantServerAdmin,
  httpClient,
  ManualClock,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  watchingClient,
} from "../harness/index.js";
import { newRoom, send, waitFor } from "../messages/room-fixtures.js";
import { openStream, roomEventsOf } from "../sse/event-stream-fixtures.js";
import { botWithKey, revokeKey } from "./bot-fixtures.js";

const ALL_SCOPES = ["messages:write", "messages:read", "rooms:read", "rooms:write", "users:read"];

describe("bot accounts and API keys", () => {
  const clock = new ManualClock();
  let server: TestServer;
  let admin: TestUser;
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    server = await startTestServer({ clock, config: { botSendRatePerAccount: "5/1m" } });
    admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
  });
  afterAll(async () => {
    for (const close of closers) close();
    await server.stop();
  });

  it("makes a bot that shows isBot everywhere and cannot log in with a password", async () => {
    const { bot } = await botWithKey(server.url, admin, ["users:read"]);
    const person = await signUp(server.url);
    expect((await rest(server.url, "GET", `/users/${bot.id}`, { token: person.token })).body.user).toMatchObject({
      id: bot.id,
      isBot: true,
      displayName: `Bot ${bot.username}`,
    });
    expect((await rest(server.url, "GET", `/users/${person.id}`, { token: person.token })).body.user.isBot).toBe(false);
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).body.user).toMatchObject({ isBot: true });
    const marker = await rest(server.url, "POST", "/sessions", { body: { username: bot.username, password: "!bot" } });
    expect(marker.status).toBe(401);
    const login = await rest(server.url, "POST", "/sessions", {
      body: { username: bot.username, password: "correct horse battery" },
    });
    expect([login.status, login.body.error.code]).toEqual([401, "INVALID_CREDENTIALS"]);
    const listed = await rest(server.url, "GET", "/admin/bots", { token: admin.token });
    expect(listed.body.bots.find((b: { id: string }) => b.id === bot.id)).toMatchObject({ isBot: true, keyCount: 1 });
  });

  it("shows a key once, lists it by prefix, scopes and last use, and keeps only its hash", async () => {
    const { bot, keyId } = await botWithKey(server.url, admin, ["users:read", "rooms:read"]);
    expect(bot.token).toMatch(/^ntr_[A-Za-z0-9_-]{43}$/);
    const before = await rest(server.url, "GET", `/admin/bots/${bot.id}/keys`, { token: admin.token });
    expect(before.body.apiKeys).toEqual([
      expect.objectContaining({
        id: keyId,
        name: "ci",
        prefix: bot.token.slice(0, 12),
        scopes: ["users:read", "rooms:read"],
        lastUsedAt: null,
        expiresAt: null,
      }),
    ]);
    expect(JSON.stringify(before.body)).not.toContain(bot.token);
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).status).toBe(200);
    const after = await rest(server.url, "GET", `/admin/bots/${bot.id}/keys`, { token: admin.token });
    expect(after.body.apiKeys[0].lastUsedAt).not.toBeNull();
    // Keys of people do not exist: only bots hold them.
    const person = await signUp(server.url);
    const refused = await rest(server.url, "POST", `/admin/bots/${person.id}/keys`, {
      token: admin.token,
      body: { name: "x", scopes: ["users:read"] },
    });
    expect([refused.status, refused.body.error.code]).toEqual([404, "BOT_NOT_FOUND"]);
  });

  it("lets a key do what its scopes cover and answers 403 INSUFFICIENT_SCOPE outside them, on REST and tRPC", async () => {
    const owner = await signUp(server.url);
    const { bot } = await botWithKey(server.url, admin, ["messages:write", "messages:read"]);
    const roomId = await newRoom(server.url, owner, { open: false });
    expect((await rest(server.url, "PUT", `/rooms/${roomId}/members/${bot.id}`, { token: owner.token })).status).toBe(
      200,
    );
    const sent = await send(server.url, bot, roomId, "build passed");
    expect(sent.authorId).toBe(bot.id);
    const viaTrpc = await httpClient(server.url, bot.token).messages.list.query({ roomId });
    expect(viaTrpc.messages.map((m) => m.body)).toContain("build passed");

    const outside = [
      ["GET", "/me"],
      ["GET", "/rooms"],
      ["POST", "/rooms", { name: "bot room" }],
      ["GET", "/me/sessions"],
      ["PATCH", "/me", { bio: "beep" }],
      ["GET", "/admin/stats"],
      ["GET", `/admin/bots/${bot.id}/keys`],
    ] as const;
    for (const [method, path, body] of outside) {
      const res = await rest(server.url, method, path, { token: bot.token, body });
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 403, "INSUFFICIENT_SCOPE"]);
    }
    const needs = await rest(server.url, "GET", "/rooms", { token: bot.token });
    expect(needs.body.error.requiredScope).toBe("rooms:read");
    await expect(httpClient(server.url, bot.token).rooms.list.query({})).rejects.toMatchObject({
      data: { httpStatus: 403, error: { code: "INSUFFICIENT_SCOPE" } },
    });
    // A bot cannot upload (no key may) nor open a room's stream without messages:read.
    const upload = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${bot.token}`, "content-type": "image/png" },
      body: new Uint8Array([1, 2, 3]),
    });
    expect([upload.status, ((await upload.json()) as any).error.code]).toEqual([403, "INSUFFICIENT_SCOPE"]);
    const reader = await botWithKey(server.url, admin, ["rooms:read"]);
    const stream = await openStream(server.url, roomId, { token: reader.bot.token });
    expect(stream.status).toBe(403);
    stream.close();
  });

  it("counts a bot's sends against the bots' own rate limit", async () => {
    const owner = await signUp(server.url);
    const { bot } = await botWithKey(server.url, admin, ["messages:write"]);
    const roomId = await newRoom(server.url, owner, { members: [] });
    await rest(server.url, "PUT", `/rooms/${roomId}/members/${bot.id}`, { token: owner.token });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push(
        (await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: bot.token, body: { body: `n${i}` } }))
          .status,
      );
    }
    // 5 a minute for bots (botSendRatePerAccount), where people have 120.
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    for (let i = 0; i < 6; i += 1) await send(server.url, owner, roomId, `p${i}`);
  });

  it("closes the key's WebSocket and event stream within a second of its revocation, and refuses it after", async () => {
    const owner = await signUp(server.url);
    const { bot, keyId } = await botWithKey(server.url, admin, ["users:read", "messages:read"]);
    const roomId = await newRoom(server.url, owner, { members: [bot] });
    const socket = await watchingClient(server.url, bot.token);
    closers.push(socket.close);
    const stream = await openStream(server.url, roomId, { token: bot.token });
    closers.push(stream.close);
    expect(stream.status).toBe(200);
    await send(server.url, owner, roomId, "seen by the bot");
    await waitFor("the bot's stream to carry the message", () => roomEventsOf(stream.events).length > 0);
    const started = Date.now();
    await revokeKey(server.url, admin, bot, keyId);
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    await stream.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    const after = await rest(server.url, "GET", "/me", { token: bot.token });
    expect([after.status, after.body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    const again = await rest(server.url, "DELETE", `/admin/bots/${bot.id}/keys/${keyId}`, { token: admin.token });
    expect([again.status, again.body.error.code]).toEqual([404, "API_KEY_NOT_FOUND"]);
    expect((await rest(server.url, "GET", `/admin/bots/${bot.id}/keys`, { token: admin.token })).body.apiKeys).toEqual(
      [],
    );
  });

  it("ends a key at its expiry, and refuses an expiry in the past", async () => {
    const past = await rest(server.url, "POST", "/admin/bots", {
      token: admin.token,
      body: { username: `bot-past-${Date.now()}`, displayName: "Past" },
    });
    const refused = await rest(server.url, "POST", `/admin/bots/${past.body.bot.id}/keys`, {
      token: admin.token,
      body: { name: "old", scopes: ["users:read"], expiresAt: new Date(clock.now() - 1000).toISOString() },
    });
    expect([refused.status, refused.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const { bot } = await botWithKey(server.url, admin, ["users:read"], {
      expiresAt: new Date(clock.now() + 3_600_000).toISOString(),
    });
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).status).toBe(200);
    clock.advance(3_600_001);
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).status).toBe(401);
  });

  it("stops a banned bot's keys and closes their sockets", async () => {
    const { bot } = await botWithKey(server.url, admin, ALL_SCOPES);
    const socket = await watchingClient(server.url, bot.token);
    closers.push(socket.close);
    expect((await rest(server.url, "POST", `/admin/users/${bot.id}/ban`, { token: admin.token })).status).toBe(200);
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).status).toBe(401);
  });
});
