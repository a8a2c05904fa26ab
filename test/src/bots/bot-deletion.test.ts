import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  grantServerAdmin,
  httpClient,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  watchingClient,
} from "../harness/index.js";
import { newRoom, send, wholeHistory } from "../messages/room-fixtures.js";
import { botWithKey } from "./bot-fixtures.js";

describe("deleting a bot", () => {
  let server: TestServer;
  let admin: TestUser;
  let owner: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
    owner = await signUp(server.url);
  });
  afterAll(() => server.stop());

  const postToHook = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((res) => res.status);

  it("revokes its keys at once, deletes its incoming webhooks and removes it as an account deletion does", async () => {
    const { bot } = await botWithKey(server.url, admin, ["messages:read", "messages:write", "users:read"]);
    // The admin owns the room: an existing bot for a hook is theirs to name.
    const roomId = await newRoom(server.url, admin, { members: [bot, owner] });
    const said = await send(server.url, bot, roomId, "beep from the bot");
    const hook = await rest(server.url, "POST", `/rooms/${roomId}/incoming-webhooks`, {
      token: admin.token,
      body: { name: "CI", botUserId: bot.id },
    });
    expect(hook.status).toBe(201);
    expect(await postToHook(hook.body.url, { text: "before" })).toBe(200);
    const socket = await watchingClient(server.url, bot.token);

    const deleted = await rest(server.url, "DELETE", `/admin/bots/${bot.id}`, { token: admin.token });
    expect(deleted).toMatchObject({ status: 200, body: { userId: bot.id, deleted: true } });

    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    socket.close();
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).status).toBe(401);
    expect(await postToHook(hook.body.url, { text: "after" })).toBe(404);
    const hooks = await rest(server.url, "GET", `/rooms/${roomId}/incoming-webhooks`, { token: admin.token });
    expect(hooks.body.incomingWebhooks).toEqual([]);
    const bots = await rest(server.url, "GET", "/admin/bots", { token: admin.token });
    expect(bots.body.bots.map((each: { id: string }) => each.id)).not.toContain(bot.id);
    // As an account deletion: the bot left the room, its messages are tombstones, its name is reserved.
    const members = await rest(server.url, "GET", `/rooms/${roomId}/members`, { token: owner.token });
    expect(JSON.stringify(members.body)).not.toContain(bot.id);
    const history = await wholeHistory(server.url, owner, roomId);
    const tombstone = history.find((message) => message.id === said.id);
    expect(tombstone?.deletedAt).toBeTruthy();
    expect(JSON.stringify(history)).not.toContain("beep from the bot");
    const again = await rest(server.url, "POST", "/admin/bots", {
      token: admin.token,
      body: { username: bot.username, displayName: "Impostor" },
    });
    expect(again.status).toBe(409);
    const activity = await rest(server.url, "GET", "/admin/activity", { token: admin.token });
    expect(activity.body.entries.map((entry: { type: string }) => entry.type)).toEqual(
      expect.arrayContaining(["bot.deleted", "user.deleted"]),
    );
    // Gone: a second deletion finds no bot.
    const twice = await rest(server.url, "DELETE", `/admin/bots/${bot.id}`, { token: admin.token });
    expect(twice).toMatchObject({ status: 404, body: { error: { code: "BOT_NOT_FOUND" } } });
  });

  it("is for server admins only, and deletes bots, never people", async () => {
    const { bot } = await botWithKey(server.url, admin, ["users:read"]);
    expect((await rest(server.url, "DELETE", `/admin/bots/${bot.id}`)).status).toBe(401);
    const byOwner = await rest(server.url, "DELETE", `/admin/bots/${bot.id}`, { token: owner.token });
    expect(byOwner).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
    // A key cannot delete its own bot (no scope covers admin calls).
    const byKey = await rest(server.url, "DELETE", `/admin/bots/${bot.id}`, { token: bot.token });
    expect(byKey.status).toBe(403);
    const person = await rest(server.url, "DELETE", `/admin/bots/${owner.id}`, { token: admin.token });
    expect(person).toMatchObject({ status: 404, body: { error: { code: "BOT_NOT_FOUND" } } });
    expect((await rest(server.url, "GET", "/me", { token: owner.token })).status).toBe(200);
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).status).toBe(200);
  });

  it("works the same over tRPC", async () => {
    const { bot } = await botWithKey(server.url, admin, ["users:read"]);
    const trpc = httpClient(server.url, admin.token);
    expect(await trpc.bots.delete.mutate({ userId: bot.id })).toEqual({ userId: bot.id, deleted: true });
    expect((await rest(server.url, "GET", "/me", { token: bot.token })).status).toBe(401);
    await expect(trpc.bots.delete.mutate({ userId: bot.id })).rejects.toMatchObject({
      data: { error: { code: "BOT_NOT_FOUND" } },
    });
  });
});
