import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantServerAdmin, rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { newRoom, wholeHistory } from "../messages/room-fixtures.js";

describe("incoming webhooks", () => {
  let server: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ config: { incomingWebhookRatePerHook: "5/1m" } });
    owner = await signUp(server.url);
  });
  afterAll(() => server.stop());

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

  async function hookOf(roomId: string, name = "CI") {
    const res = await rest(server.url, "POST", `/rooms/${roomId}/incoming-webhooks`, {
      token: owner.token,
      body: { name },
    });
    expect(res.status).toBe(201);
    expect(res.body.url).toMatch(/^\/api\/v1\/hooks\/[^/]+\/[A-Za-z0-9_-]{43}$/);
    return res.body as { incomingWebhook: { id: string; botUserId: string }; url: string };
  }

  it("posts Slack-style text into the room as the hook's bot, ignoring username and icon_url", async () => {
    const roomId = await newRoom(server.url, owner, { open: false });
    const { incomingWebhook, url } = await hookOf(roomId, "Build bot");
    const posted = await post(url, {
      text: "build *42* passed",
      username: "impostor",
      icon_url: "http://127.0.0.1:9/x.png",
      channel: "#ignored",
    });
    expect(posted).toMatchObject({ status: 200, body: { ok: true } });
    const [message] = (await wholeHistory(server.url, owner, roomId)).slice(-1);
    expect(message).toMatchObject({ id: posted.body.messageId, body: "build *42* passed" });
    expect(message?.authorId).toBe(incomingWebhook.botUserId);
    const bot = await rest(server.url, "GET", `/users/${incomingWebhook.botUserId}`, { token: owner.token });
    expect(bot.body.user).toMatchObject({ isBot: true, displayName: "Build bot" });
    const listed = await rest(server.url, "GET", `/rooms/${roomId}/incoming-webhooks`, { token: owner.token });
    expect(listed.body.incomingWebhooks).toEqual([
      expect.objectContaining({ id: incomingWebhook.id, name: "Build bot" }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(url.split("/").at(-1));
  });

  it("answers 404 alike for a wrong secret, an unknown hook and a deleted one", async () => {
    const roomId = await newRoom(server.url, owner);
    const { incomingWebhook, url } = await hookOf(roomId);
    const secret = url.split("/").at(-1) as string;
    const wrong = await post(`/api/v1/hooks/${incomingWebhook.id}/${secret.slice(0, -1)}x`, { text: "no" });
    const unknown = await post(`/api/v1/hooks/01900000-0000-7000-8000-000000000000/${secret}`, { text: "no" });
    expect(wrong).toEqual(unknown);
    expect([wrong.status, wrong.body.error.code]).toEqual([404, "INCOMING_WEBHOOK_NOT_FOUND"]);
    expect((await post(url, { text: "still works" })).status).toBe(200);
    const deleted = await rest(server.url, "DELETE", `/rooms/${roomId}/incoming-webhooks/${incomingWebhook.id}`, {
      token: owner.token,
    });
    expect(deleted.status).toBe(200);
    const revoked = await post(url, { text: "gone" });
    expect(revoked).toEqual(unknown);
    const bodies = (await wholeHistory(server.url, owner, roomId)).map((m) => m.body);
    expect(bodies).toEqual(["still works"]);
  });

  it("limits the posts of one hook, and refuses what is no message", async () => {
    const roomId = await newRoom(server.url, owner);
    const { url } = await hookOf(roomId);
    expect((await post(url, {})).status).toBe(400);
    expect((await post(url, { text: "x".repeat(4001) })).status).toBe(400);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await post(url, { text: `n${i}` })).status);
    // Five a minute per hook in this server (inputs refused as invalid are not counted).
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("lets only server admins post through an existing bot", async () => {
    const admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
    const made = await rest(server.url, "POST", "/admin/bots", {
      token: admin.token,
      body: { username: `shared-bot-${Date.now()}`, displayName: "Shared" },
    });
    const roomId = await newRoom(server.url, owner);
    const refused = await rest(server.url, "POST", `/rooms/${roomId}/incoming-webhooks`, {
      token: owner.token,
      body: { name: "x", botUserId: made.body.bot.id },
    });
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const adminRoom = await newRoom(server.url, admin);
    const allowed = await rest(server.url, "POST", `/rooms/${adminRoom}/incoming-webhooks`, {
      token: admin.token,
      body: { name: "x", botUserId: made.body.bot.id },
    });
    expect(allowed.status).toBe(201);
    expect((await post(allowed.body.url, { text: "from the shared bot" })).status).toBe(200);
  });
});
