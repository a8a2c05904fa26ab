import { spawn } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { dataExportSchema, type RoomEvent, WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { insertSentMessages } from "../../../bench/src/sent-messages.js";
import { botWithKey } from "../bots/bot-fixtures.js";
import {
  createRoom,
  grantServerAdmin,
  ManualClock,
  NATTER_CLI,
  rest,
  runCli,
  signUp,
  signUpMany,
  startTestServer,
  TEST_REDIS_URL,
  type TestServer,
  type TestUser,
  watchingClient,
  wsClient,
} from "../harness/index.js";
import { newRoom, send, watchRoom, wholeHistory } from "../messages/room-fixtures.js";
import { png } from "../uploads/images.js";
import { fetchContent, uploaded } from "../uploads/upload-client.js";

const DAY_MS = 24 * 3600 * 1000;

/** `GET /me/export` as raw text, with its status and headers. */
async function exportOf(url: string, token: string | undefined) {
  const res = await fetch(`${url}/api/v1/me/export`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** `DELETE /me` with a JSON body. */
/** Subscribes the user's "device" to push notifications (an endpoint nothing needs to answer). */
async function subscribePush(url: string, user: TestUser): Promise<string> {
  const browser = createECDH("prime256v1");
  const keys = { p256dh: browser.generateKeys().toString("base64url"), auth: randomBytes(16).toString("base64url") };
  const endpoint = `http://127.0.0.1:9/push/${user.id}`;
  const answer = await rest(url, "POST", "/me/push-subscriptions", { token: user.token, body: { endpoint, keys } });
  expect(answer.status).toBe(201);
  return answer.body.subscription.id;
}

function deleteAccount(url: string, user: TestUser, body: unknown = { password: user.password }) {
  return rest(url, "DELETE", "/me", { token: user.token, body });
}

/** Every event of a room from its first, as a fresh watcher replays them. */
async function replay(url: string, user: TestUser, roomId: string): Promise<RoomEvent[]> {
  const room = await rest(url, "GET", `/rooms/${roomId}`, { token: user.token });
  const lastSeq = room.body.room.lastSeq as number;
  const ws = wsClient(url, { token: user.token });
  try {
    const watch = watchRoom(ws.client, roomId, "0");
    await watch.until("the whole replay", (events) => events.some((event) => event.seq >= lastSeq));
    return watch.events;
  } finally {
    ws.close();
  }
}

/*
 * A person's data (issue 24): `GET /me/export` carries one of everything natter holds about
 * them and no secret; `DELETE /me` (and `natter users delete`) leaves no body, token or upload
 * of theirs, hands their rooms on, and keeps their username from anyone for 30 days.
 */
describe("your data: export and account deletion", () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    // Push endpoints on loopback are taken (nothing is pushed: the people here are connected or never mentioned).
    server = await startTestServer({ clock, config: { pushAllowPrivateNetworks: true } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("exports one of everything about the caller, without secrets, once an hour", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const url = server.url;
    await grantServerAdmin(server.databaseUrl, alice.username);
    expect((await rest(url, "PATCH", "/me", { token: alice.token, body: { bio: "alice's bio" } })).status).toBe(200);
    const avatar = await uploaded(url, alice.token, png(4, 4, undefined, 1));
    expect((await rest(url, "PUT", "/me/avatar", { token: alice.token, body: { uploadId: avatar.id } })).status).toBe(
      200,
    );
    const roomId = await newRoom(url, alice, { members: [bob] });
    const picture = await uploaded(url, alice.token, png(4, 4, undefined, 2));
    const withPicture = await rest(url, "POST", `/rooms/${roomId}/messages`, {
      token: alice.token,
      body: { body: "a picture", attachmentIds: [picture.id] },
    });
    expect(withPicture.status).toBe(201);
    const edited = await send(url, alice, roomId, "first words");
    expect(
      (
        await rest(url, "PATCH", `/rooms/${roomId}/messages/${edited.id}`, {
          token: alice.token,
          body: { body: "second words" },
        })
      ).status,
    ).toBe(200);
    const bobs = await send(url, bob, roomId, "bob speaks");
    expect(
      (await rest(url, "PUT", `/rooms/${roomId}/messages/${bobs.id}/reactions/👍`, { token: alice.token })).status,
    ).toBe(200);
    expect(
      (await rest(url, "POST", `/rooms/${roomId}/read`, { token: alice.token, body: { seq: bobs.seq } })).status,
    ).toBe(200);
    const report = await rest(url, "POST", `/rooms/${roomId}/messages/${bobs.id}/reports`, {
      token: alice.token,
      body: { reason: "spam", note: "not really" },
    });
    expect(report.status).toBe(201);
    expect((await rest(url, "PUT", `/me/blocks/${carol.id}`, { token: alice.token })).status).toBe(200);
    const dm = await rest(url, "POST", "/dms", { token: alice.token, body: { userId: bob.id } });
    expect(dm.status).toBe(201);
    const bobsRoom = await newRoom(url, bob, { members: [alice] });
    expect(
      (await rest(url, "PUT", `/rooms/${bobsRoom}/mutes/${alice.id}`, { token: bob.token, body: { reason: "calm" } }))
        .status,
    ).toBe(200);
    const { bot, keyId } = await botWithKey(url, alice, ["messages:read"]);
    const subscriptionId = await subscribePush(url, alice);

    const answer = await exportOf(url, alice.token);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.headers.get("content-disposition")).toContain("attachment");
    const data = dataExportSchema.parse(JSON.parse(answer.text));
    expect(data.profile).toMatchObject({ id: alice.id, username: alice.username, bio: "alice's bio", isAdmin: true });
    expect(data.profile.avatarUrl).toBe(avatar.url);
    expect(data.sessions.length).toBeGreaterThanOrEqual(1);
    expect(data.rooms.map((room) => room.id).sort()).toEqual([roomId, bobsRoom, dm.body.room.id].sort());
    expect(data.rooms.find((room) => room.id === roomId)).toMatchObject({ role: "owner", readSeq: bobs.seq });
    expect(data.rooms.find((room) => room.id === bobsRoom)).toMatchObject({ role: "member" });
    expect(data.rooms.find((room) => room.id === dm.body.room.id)).toMatchObject({
      kind: "direct",
      directWith: bob.id,
    });
    expect(data.messages.map((m) => [m.id, m.body])).toEqual([
      [withPicture.body.message.id, "a picture"],
      [edited.id, "second words"],
    ]);
    expect(data.messages[0]?.attachmentIds).toEqual([picture.id]);
    expect(data.messages[1]?.editedAt).not.toBeNull();
    expect(data.reactions).toEqual([expect.objectContaining({ messageId: bobs.id, emoji: "👍", roomId })]);
    expect(data.uploads.map((u) => [u.id, u.sha256, u.url]).sort()).toEqual(
      [
        [avatar.id, avatar.sha256, avatar.url],
        [picture.id, picture.sha256, picture.url],
      ].sort(),
    );
    expect(data.reports).toEqual([
      expect.objectContaining({ id: report.body.report.id, messageId: bobs.id, reason: "spam", note: "not really" }),
    ]);
    expect(data.blocks).toEqual([expect.objectContaining({ userId: carol.id })]);
    expect(data.mutes).toEqual([expect.objectContaining({ roomId: bobsRoom, reason: "calm" })]);
    expect(data.apiKeys).toEqual([
      expect.objectContaining({ id: keyId, botUserId: bot.id, scopes: ["messages:read"] }),
    ]);
    expect(data.pushSubscriptions).toEqual([
      { id: subscriptionId, endpoint: `http://127.0.0.1:9/push/${alice.id}`, createdAt: expect.any(String) },
    ]);
    // No secret of any kind: the session token, the API key, a password hash.
    expect(answer.text).not.toContain(alice.token);
    expect(answer.text).not.toContain(bot.token);
    expect(answer.text).not.toContain("$argon2");
    expect(answer.text).not.toContain(alice.password);

    const again = await exportOf(url, alice.token);
    expect(again.status).toBe(429);
    expect(JSON.parse(again.text).error.code).toBe("RATE_LIMITED");
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(3000);
    clock.advance(3600 * 1000 + 1000);
    expect((await exportOf(url, alice.token)).status).toBe(200);

    expect(JSON.parse((await exportOf(url, undefined)).text).error.code).toBe("UNAUTHENTICATED");
    const byKey = await exportOf(url, bot.token);
    expect([byKey.status, JSON.parse(byKey.text).error.code]).toEqual([403, "INSUFFICIENT_SCOPE"]);
  });

  it("deletes an account: sessions end, bodies and uploads go, rooms pass on, the name waits 30 days", async () => {
    const url = server.url;
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const avatar = await uploaded(url, alice.token, png(4, 4, undefined, 3));
    await rest(url, "PUT", "/me/avatar", { token: alice.token, body: { uploadId: avatar.id } });
    const shared = await newRoom(url, alice, { members: [bob, carol] });
    await rest(url, "PUT", `/rooms/${shared}/members/${carol.id}`, { token: alice.token, body: { role: "admin" } });
    const alone = await newRoom(url, alice);
    const picture = await uploaded(url, alice.token, png(4, 4, undefined, 4));
    const withPicture = await rest(url, "POST", `/rooms/${shared}/messages`, {
      token: alice.token,
      body: { body: "secret picture caption", attachmentIds: [picture.id] },
    });
    const edited = await send(url, alice, shared, "secret first draft");
    await rest(url, "PATCH", `/rooms/${shared}/messages/${edited.id}`, {
      token: alice.token,
      body: { body: "secret second draft" },
    });
    const bobs = await send(url, bob, shared, "bob stays");
    await rest(url, "PUT", `/rooms/${shared}/messages/${bobs.id}/reactions/🎉`, { token: alice.token });
    await send(url, alice, alone, "secret alone");

    await subscribePush(url, alice);
    const bobWatch = wsClient(url, { token: bob.token });
    const live = watchRoom(bobWatch.client, shared, String(bobs.seq + 1));
    const aliceSocket = await watchingClient(url, alice.token);

    const wrong = await deleteAccount(url, alice, { password: "not my password" });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, "INVALID_CREDENTIALS"]);
    const missing = await deleteAccount(url, alice, {});
    expect([missing.status, missing.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    expect((await rest(url, "GET", "/me", { token: alice.token })).status).toBe(200);

    const deleted = await deleteAccount(url, alice);
    expect(deleted.status).toBe(200);
    expect(await aliceSocket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    aliceSocket.close();
    expect((await rest(url, "GET", "/me", { token: alice.token })).status).toBe(401);
    const { db, close } = openDatabase(server.databaseUrl);
    try {
      const left = await db.selectFrom("push_subscriptions").select("id").where("user_id", "=", alice.id).execute();
      expect(left).toEqual([]);
    } finally {
      await close();
    }
    const login = await rest(url, "POST", "/sessions", {
      body: { username: alice.username, password: alice.password },
    });
    expect(login.status).toBe(401);

    // Live watchers saw the bodies go and the reaction taken back.
    await live.until("alice's messages deleted and her reaction removed", (events) => {
      const deletedIds = events.flatMap((event) => (event.type === "message.deleted" ? [event.messageId] : []));
      return (
        deletedIds.includes(withPicture.body.message.id) &&
        deletedIds.includes(edited.id) &&
        events.some((event) => event.type === "reaction.removed")
      );
    });
    live.stop();
    bobWatch.close();

    // Ownership passed to the admin; the room she was alone in is gone.
    const room = await rest(url, "GET", `/rooms/${shared}`, { token: bob.token });
    expect(room.body.room.ownerId).toBe(carol.id);
    expect(room.body.room.memberCount).toBe(2);
    expect((await rest(url, "GET", `/rooms/${alone}`, { token: bob.token })).status).toBe(404);

    const history = await wholeHistory(url, bob, shared);
    const hers = history.filter((message) => message.authorId === alice.id);
    expect(hers).toHaveLength(2);
    for (const message of hers) {
      expect(message.body).toBeNull();
      expect(message.attachments).toEqual([]);
    }
    expect(history.find((message) => message.id === bobs.id)?.reactions).toEqual([]);
    const events = await replay(url, bob, shared);
    expect(JSON.stringify(events)).not.toMatch(/secret/);

    const placeholder = await rest(url, "GET", `/users/${alice.id}`, { token: bob.token });
    expect(placeholder.body.user).toMatchObject({
      username: `deleted-${alice.id}`,
      displayName: "Deleted user",
      bio: null,
      avatarUrl: null,
    });
    expect((await rest(url, "GET", `/users?username=${alice.username}`, { token: bob.token })).body.users).toEqual([]);
    expect((await fetchContent(url, picture.url, { token: bob.token })).status).toBe(404);
    expect((await fetchContent(url, avatar.url, { token: bob.token })).status).toBe(404);

    // The name is reserved (look-alikes too) for 30 days, then free.
    const taken = await rest(url, "POST", "/users", {
      body: { username: alice.username.toUpperCase(), password: "another passphrase" },
    });
    expect([taken.status, taken.body.error.code]).toEqual([409, "USERNAME_TAKEN"]);
    clock.advance(30 * DAY_MS - 60_000);
    expect(
      (await rest(url, "POST", "/users", { body: { username: alice.username, password: "x".repeat(12) } })).status,
    ).toBe(409);
    clock.advance(120_000);
    const reborn = await signUp(url, alice.username);
    expect(reborn.id).not.toBe(alice.id);
  });

  it("deletes over tRPC too, and an admin deletes from the command line", async () => {
    const url = server.url;
    const [dave, erin, frank] = await signUpMany(server.url, 3);
    const roomId = await newRoom(url, dave, { members: [erin] });
    await send(url, dave, roomId, "secret of dave");
    const ws = wsClient(url, { token: dave.token });
    await expect(ws.client.users.deleteAccount.mutate({ password: "wrong" })).rejects.toMatchObject({
      data: { error: { code: "INVALID_CREDENTIALS" } },
    });
    ws.close();
    const viaTrpc = await fetch(`${url}/trpc/users.deleteAccount`, {
      method: "POST",
      headers: { authorization: `Bearer ${dave.token}`, "content-type": "application/json" },
      body: JSON.stringify({ password: dave.password }),
    });
    expect(viaTrpc.status).toBe(200);
    expect((await rest(url, "GET", "/me", { token: dave.token })).status).toBe(401);
    expect((await wholeHistory(url, erin, roomId)).map((m) => m.body)).toEqual([null]);

    expect((await rest(url, "POST", `/rooms/${roomId}/join`, { token: frank.token })).status).toBe(200);
    await send(url, frank, roomId, "frank was here");
    // With Redis the command publishes its room events as a server does: erin sees them live.
    const erinWatch = wsClient(url, { token: erin.token });
    const lastSeq = (await rest(url, "GET", `/rooms/${roomId}`, { token: erin.token })).body.room.lastSeq as number;
    const live = watchRoom(erinWatch.client, roomId, String(lastSeq));
    const redisEnv: Record<string, string> = server.redisPrefix
      ? { NATTER_REDIS_URL: TEST_REDIS_URL, NATTER_REDIS_PREFIX: server.redisPrefix }
      : {};
    const cli = await runCli(["users", "delete", frank.username, "--db", server.databaseUrl], redisEnv);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ deleted: frank.id });
    if (server.redisPrefix) {
      await live.until("frank's message deleted and frank gone", (events) =>
        events.some((event) => event.type === "member.left" && event.userId === frank.id),
      );
    }
    live.stop();
    erinWatch.close();
    // The command line tells no server without Redis: a node's session cache serves the token
    // for 1 s at most (of the server's clock, here the test's).
    clock.advance(1_500);
    expect((await rest(url, "GET", "/me", { token: frank.token })).status).toBe(401);
    const missing = await runCli(["users", "delete", "nobody_at_all", "--db", server.databaseUrl]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("USER_NOT_FOUND");
    const bodies = (await wholeHistory(url, erin, roomId)).map((m) => m.body);
    expect(bodies).not.toContain("frank was here");
  });

  it("leaves the old username nowhere, and refuses the deleted account as a member", async () => {
    const url = server.url;
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    // alice joins one room by being added, another (open, never joined) only by being mentioned.
    // Named: a default name is made of the first members' usernames, and a room's name is its own (not scrubbed).
    const shared = (await createRoom(url, bob.token, { name: "shared", open: true, memberIds: [alice.id, carol.id] }))
      .id;
    const open = (await createRoom(url, carol.token, { name: "open", open: true })).id;
    const mentioning = await send(url, carol, shared, `hi @${alice.username}`);
    const elsewhere = await send(url, carol, open, `look @${alice.username}`);
    expect(mentioning.mentions).toEqual([{ userId: alice.id, username: alice.username }]);
    expect(elsewhere.mentions).toEqual([{ userId: alice.id, username: alice.username }]);
    await send(url, alice, shared, `thanks @${bob.username}`);
    expect((await deleteAccount(url, alice)).status).toBe(200);

    const placeholder = `deleted-${alice.id}`;
    // Others' words stay as written ("hi @alice"): the name must be gone from every field that names her.
    for (const roomId of [shared, open]) {
      const text = JSON.stringify(await replay(url, bob, roomId));
      expect(text).not.toContain(`"${alice.username}"`);
      expect(text).toContain(`"${placeholder}"`);
    }
    const reread = await rest(url, "GET", `/rooms/${shared}/messages/${mentioning.id}`, { token: bob.token });
    expect(reread.body.message.mentions).toEqual([{ userId: alice.id, username: placeholder }]);
    const history = await wholeHistory(url, bob, open);
    expect(history.find((m) => m.id === elsewhere.id)?.mentions).toEqual([{ userId: alice.id, username: placeholder }]);
    // Nor in what others' inboxes keep of her messages.
    const { db, close } = openDatabase(server.databaseUrl);
    try {
      const inbox = await db.selectFrom("inbox_events").select("payload").where("user_id", "=", bob.id).execute();
      expect(inbox.length).toBeGreaterThan(0);
      expect(inbox.map((row) => row.payload).join()).not.toContain(`"${alice.username}"`);
    } finally {
      await close();
    }

    // The deleted account is no one to add, as an unknown id: REST, tRPC, a new room, a DM.
    const put = await rest(url, "PUT", `/rooms/${shared}/members/${alice.id}`, { token: bob.token, body: {} });
    expect([put.status, put.body.error.code]).toEqual([404, "USER_NOT_FOUND"]);
    const ws = wsClient(url, { token: bob.token });
    try {
      await expect(ws.client.rooms.putMember.mutate({ roomId: shared, userId: alice.id })).rejects.toMatchObject({
        data: { error: { code: "USER_NOT_FOUND" } },
      });
    } finally {
      ws.close();
    }
    const created = await rest(url, "POST", "/rooms", { token: bob.token, body: { memberIds: [alice.id] } });
    expect([created.status, created.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const dm = await rest(url, "POST", "/dms", { token: bob.token, body: { userId: alice.id } });
    expect([dm.status, dm.body.error.code]).toEqual([404, "USER_NOT_FOUND"]);
    const members = await rest(url, "GET", `/rooms/${shared}/members`, { token: bob.token });
    expect(members.body.members.map((m: { userId: string }) => m.userId)).not.toContain(alice.id);
  });

  it("finishes a deletion cut short by running it again", { timeout: 180_000 }, async () => {
    const url = server.url;
    const [gina, hal] = await signUpMany(server.url, 2);
    const roomId = (await createRoom(url, gina.token, { name: "long history", open: true, memberIds: [hal.id] })).id;
    await send(url, hal, roomId, `hello @${gina.username}`);
    const database = openDatabase(server.databaseUrl);
    try {
      // A history of three purge transactions (200 messages each), so that the command is still scrubbing when it dies.
      await insertSentMessages(database.db, {
        roomId,
        authorId: gina.id,
        count: 600,
        body: (i) => `secret ${i}`,
        startAt: Date.now() - 600,
      });
      const child = spawn(
        process.execPath,
        [NATTER_CLI, "users", "delete", gina.username, "--db", server.databaseUrl],
        {
          stdio: "ignore",
          // Not the checkout: the command's default uploads directory is ./data/uploads.
          cwd: mkdtempSync(join(tmpdir(), "natter-cli-kill-")),
        },
      );
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // Killed (as by a crash or an operator's Ctrl-C) once the account is closed, while the rooms are scrubbed.
      await vi.waitFor(
        async () => {
          const row = await database.db
            .selectFrom("users")
            .select("deleted_at")
            .where("id", "=", gina.id)
            .executeTakeFirstOrThrow();
          expect(row.deleted_at).not.toBeNull();
        },
        { timeout: 60_000, interval: 5 },
      );
      child.kill("SIGKILL");
      await exited;
      const left = await database.db
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("author_id", "=", gina.id)
        .where("body", "is not", null)
        .executeTakeFirstOrThrow();
      // Cut short for real: the account is closed, most of its history not yet scrubbed.
      expect(Number(left.n)).toBeGreaterThan(0);
      // Told no server (no Redis): the session cache serves the token for 1 s at most (of the server's clock).
      clock.advance(1_500);
      expect((await rest(url, "GET", "/me", { token: gina.token })).status).toBe(401);

      const again = await runCli(["users", "delete", `deleted-${gina.id}`, "--db", server.databaseUrl]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({ deleted: gina.id });
      const history = await wholeHistory(url, hal, roomId);
      expect(history.filter((m) => m.authorId === gina.id && m.body !== null)).toEqual([]);
      const text = JSON.stringify(await replay(url, hal, roomId));
      expect(text).not.toMatch(/secret/);
      expect(text).not.toContain(`"${gina.username}"`);
      expect(text).toContain(`"deleted-${gina.id}"`);
      const room = await rest(url, "GET", `/rooms/${roomId}`, { token: hal.token });
      expect([room.body.room.ownerId, room.body.room.memberCount]).toEqual([hal.id, 1]);
    } finally {
      await database.close();
    }
  });
});

describe("account deletion with NATTER_ACCOUNT_DELETION=keep-messages", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { accountDeletion: "keep-messages" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps the bodies under the placeholder, without their attachments", async () => {
    const url = server.url;
    const [alice, bob] = await signUpMany(url, 2);
    const roomId = await newRoom(url, alice, { members: [bob] });
    const picture = await uploaded(url, alice.token, png(4, 4, undefined, 5));
    await rest(url, "POST", `/rooms/${roomId}/messages`, {
      token: alice.token,
      body: { body: "kept words", attachmentIds: [picture.id] },
    });
    expect((await deleteAccount(url, alice)).status).toBe(200);
    const history = await wholeHistory(url, bob, roomId);
    expect(history.map((m) => [m.authorId, m.body, m.attachments])).toEqual([[alice.id, "kept words", []]]);
    expect((await fetchContent(url, picture.url, { token: bob.token })).status).toBe(404);
    expect(JSON.stringify(await replay(url, bob, roomId))).not.toContain(picture.id);
  });
});
