import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PushService,
  rest,
  signUpMany,
  startPushService,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";
import { mentionUntilPushed, pushOf, pushTotal, skippedMoreThan, subscribe } from "./push-fixtures.js";

describe("Web Push: notifications when away", () => {
  let server: TestServer;
  let push: PushService;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let roomId: string;
  const clients: Array<{ close(): void }> = [];

  beforeAll(async () => {
    push = await startPushService();
    server = await startTestServer({ config: { pushAllowPrivateNetworks: true, pushPollIntervalMs: 100 } });
    [alice, bob, carol] = await signUpMany(server.url, 3);
    roomId = await newRoom(server.url, alice, { members: [bob, carol] });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.stop();
    await push?.close();
  });

  it("answers one VAPID public key, the uncompressed P-256 point", async () => {
    const first = await rest(server.url, "GET", "/push/vapid-public-key");
    const second = await rest(server.url, "GET", "/push/vapid-public-key");
    expect(first.status).toBe(200);
    expect(first.body.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(Buffer.from(first.body.publicKey, "base64url")[0]).toBe(4);
    expect(second.body.publicKey).toBe(first.body.publicKey);
  });

  it("subscribes idempotently per endpoint, lists, deletes, and holds at most 10 per user", async () => {
    const [dave, eve] = await signUpMany(server.url, 2);
    const browser = push.subscription("dave-0");
    const body = { endpoint: browser.endpoint, keys: browser.keys };
    const created = await rest(server.url, "POST", "/me/push-subscriptions", { token: dave.token, body });
    expect(created.status).toBe(201);
    expect(created.body.created).toBe(true);
    const again = await rest(server.url, "POST", "/me/push-subscriptions", { token: dave.token, body });
    expect([again.status, again.body.created, again.body.subscription.id]).toEqual([
      200,
      false,
      created.body.subscription.id,
    ]);
    for (let i = 1; i < 10; i++) await subscribe(server.url, dave, push.subscription(`dave-${i}`));
    const eleventh = push.subscription("dave-10");
    const refused = await rest(server.url, "POST", "/me/push-subscriptions", {
      token: dave.token,
      body: { endpoint: eleventh.endpoint, keys: eleventh.keys },
    });
    expect([refused.status, refused.body.error.code]).toEqual([409, "TOO_MANY_PUSH_SUBSCRIPTIONS"]);
    const list = await rest(server.url, "GET", "/me/push-subscriptions", { token: dave.token });
    expect(list.body.subscriptions).toHaveLength(10);
    expect(list.body.subscriptions[0]).toEqual({
      id: created.body.subscription.id,
      endpoint: browser.endpoint,
      createdAt: expect.any(String),
    });
    const path = `/me/push-subscriptions/${created.body.subscription.id}`;
    const notEves = await rest(server.url, "DELETE", path, { token: eve.token });
    expect([notEves.status, notEves.body.error.code]).toEqual([404, "PUSH_SUBSCRIPTION_NOT_FOUND"]);
    expect((await rest(server.url, "DELETE", path, { token: dave.token })).status).toBe(200);
    expect((await rest(server.url, "DELETE", path, { token: dave.token })).status).toBe(404);
    // The endpoint moves to whoever subscribes it next: a browser signed in as someone else.
    const moved = await rest(server.url, "POST", "/me/push-subscriptions", {
      token: eve.token,
      body: { endpoint: push.subscription("dave-1").endpoint, keys: push.subscription("dave-1").keys },
    });
    expect(moved.status).toBe(201);
    const daves = await rest(server.url, "GET", "/me/push-subscriptions", { token: dave.token });
    expect(daves.body.subscriptions).toHaveLength(8);
    const bad = await rest(server.url, "POST", "/me/push-subscriptions", {
      token: dave.token,
      body: { endpoint: "ftp://example.com/x", keys: browser.keys },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const anonymous = await rest(server.url, "POST", "/me/push-subscriptions", { body });
    expect(anonymous.status).toBe(401);
  });

  it("pushes a mention of a user who is away, once, encrypted for their browser and signed with the VAPID key", async () => {
    const key = (await rest(server.url, "GET", "/push/vapid-public-key")).body.publicKey;
    await subscribe(server.url, bob, push.subscription("bob"));
    const mention = await send(server.url, alice, roomId, `hello @${bob.username}, look`);
    await pushOf(push, "bob", mention.id);
    // A second one arriving means the first was not pushed twice before it.
    const next = await send(server.url, alice, roomId, `@${bob.username} again`);
    await pushOf(push, "bob", next.id);
    const pushes = push.to("bob");
    expect(push.errors).toEqual([]);
    expect(pushes.map((p) => p.notification.messageId)).toEqual([mention.id, next.id]);
    const [first] = pushes;
    expect(first?.notification).toEqual({
      type: "mention",
      title: expect.stringContaining(alice.username),
      body: `hello @${bob.username}, look`,
      roomId,
      messageId: mention.id,
      url: `/rooms/${encodeURIComponent(roomId)}`,
    });
    expect(first?.vapidValid).toBe(true);
    expect(first?.vapidKey).toBe(key);
    expect(first?.subject).toMatch(/^(mailto:|https:)/);
    expect(first?.contentEncoding).toBe("aes128gcm");
    // One topic per room: the push service keeps only the newest of a room's notifications.
    expect(first?.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(pushes[1]?.topic).toBe(first?.topic);
    // A message without a mention is not pushed (the next push is the next mention's).
    await send(server.url, alice, roomId, "no mention here");
    const third = await send(server.url, alice, roomId, `@${bob.username} third`);
    await pushOf(push, "bob", third.id);
    expect(push.to("bob").map((p) => p.notification.messageId)).toEqual([mention.id, next.id, third.id]);
  });

  it("pushes nothing while the user watches a room, and pushes again once they stopped", async () => {
    const [dave] = await signUpMany(server.url, 1);
    const room = await newRoom(server.url, alice, { members: [dave] });
    await subscribe(server.url, dave, push.subscription("dave-watching"));
    const client = wsClient(server.url, { token: dave.token });
    clients.push(client);
    const watch = watchRoom(client.client, room, "0");
    await watch.until("the room's history", (events) => events.length > 0);
    const skipped = await pushTotal([server.url], "skipped");
    const whileWatching = await send(server.url, alice, room, `@${dave.username} are you there?`);
    await watch.until("the mention, live", (events) =>
      events.some((e) => e.type === "message.created" && e.message.id === whileWatching.id),
    );
    // The verdict on it is made while the user still watches: it was skipped.
    await skippedMoreThan([server.url], skipped);
    watch.stop();
    client.close();
    // Away now (once the server has seen the socket go): mention until a push comes.
    const sent = await mentionUntilPushed(push, "dave-watching", () =>
      send(server.url, alice, room, `@${dave.username} now?`),
    );
    const pushed = push.to("dave-watching").map((p) => p.notification.messageId);
    // The verdict on each mention came in order: the one made while watching was skipped.
    expect(pushed).not.toContain(whileWatching.id);
    expect(sent).toContain(pushed[0]);
  });
  it("pushes a direct message, titled with its author", async () => {
    const [dave] = await signUpMany(server.url, 1);
    await subscribe(server.url, dave, push.subscription("dave-dm"));
    const opened = await rest(server.url, "POST", "/dms", { token: alice.token, body: { userId: dave.id } });
    expect(opened.status).toBe(201);
    const message = await send(server.url, alice, opened.body.room.id, "a private word");
    await pushOf(push, "dave-dm", message.id);
    const [dm] = push.to("dave-dm");
    expect(dm?.notification).toMatchObject({
      type: "direct",
      title: alice.username,
      body: "a private word",
      roomId: opened.body.room.id,
    });
    // The author is not pushed their own message.
    expect(push.received.filter((p) => p.notification.messageId === message.id)).toHaveLength(1);
  });

  it("does not push the mentions of someone the user blocked", async () => {
    const [dave] = await signUpMany(server.url, 1);
    const room = await newRoom(server.url, alice, { members: [dave, carol] });
    await subscribe(server.url, dave, push.subscription("dave-blocks"));
    expect((await rest(server.url, "PUT", `/me/blocks/${carol.id}`, { token: dave.token })).status).toBe(200);
    const blocked = await send(server.url, carol, room, `@${dave.username} hey`);
    const allowed = await send(server.url, alice, room, `@${dave.username} hey`);
    await pushOf(push, "dave-blocks", allowed.id);
    expect(push.to("dave-blocks").map((p) => p.notification.messageId)).toEqual([allowed.id]);
    expect(push.to("dave-blocks").map((p) => p.notification.messageId)).not.toContain(blocked.id);
  });

  it.each([410, 404] as const)("deletes a subscription the push service answers %i for", async (status) => {
    const [dave] = await signUpMany(server.url, 1);
    const room = await newRoom(server.url, alice, { members: [dave] });
    const gone = `dave-gone-${status}`;
    await subscribe(server.url, dave, push.subscription(gone));
    push.answer(gone, { status });
    const message = await send(server.url, alice, room, `@${dave.username} gone?`);
    await pushOf(push, gone, message.id, status);
    // The worker deletes the subscription once it has read the 410: polled until it is gone.
    const listed = async () =>
      (await rest(server.url, "GET", "/me/push-subscriptions", { token: dave.token })).body.subscriptions.map(
        (s: { id: string }) => s.id,
      );
    await expect.poll(listed, { timeout: 10_000 }).toEqual([]);
    const after = await send(server.url, alice, room, `@${dave.username} still there?`);
    // Nothing goes to a deleted subscription: a fresh one of another user is pushed first.
    const [erin] = await signUpMany(server.url, 1);
    await rest(server.url, "POST", `/rooms/${room}/members`, { token: alice.token, body: { userId: erin.id } });
    await subscribe(server.url, erin, push.subscription("erin"));
    const probe = await send(server.url, alice, room, `@${erin.username} probe`);
    await pushOf(push, "erin", probe.id);
    expect(push.to(gone).map((p) => p.notification.messageId)).not.toContain(after.id);
  });

  it.each([429, 503] as const)("tries again after %i with Retry-After and delivers once", async (status) => {
    const [dave] = await signUpMany(server.url, 1);
    const room = await newRoom(server.url, alice, { members: [dave] });
    const busy = `dave-busy-${status}`;
    await subscribe(server.url, dave, push.subscription(busy));
    push.answer(busy, { status, retryAfterSeconds: 1 }, 1);
    const message = await send(server.url, alice, room, `@${dave.username} busy?`);
    await pushOf(push, busy, message.id, 201);
    const next = await send(server.url, alice, room, `@${dave.username} and now`);
    await pushOf(push, busy, next.id, 201);
    expect(push.to(busy).map((p) => [p.notification.messageId, p.answered])).toEqual([
      [message.id, status],
      [message.id, 201],
      [next.id, 201],
    ]);
  });
});

describe("Web Push endpoints with private networks refused (the production default)", () => {
  let server: TestServer;
  let push: PushService;
  beforeAll(async () => {
    push = await startPushService();
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
    await push?.close();
  });

  it("refuses an endpoint on loopback or a private address", async () => {
    const [user] = await signUpMany(server.url, 1);
    const browser = push.subscription("loopback");
    for (const endpoint of [
      browser.endpoint,
      "https://10.1.2.3/push/x",
      "https://[::1]/push/y",
      "https://169.254.169.254/",
    ]) {
      const res = await rest(server.url, "POST", "/me/push-subscriptions", {
        token: user.token,
        body: { endpoint, keys: browser.keys },
      });
      expect([res.status, res.body.error.code], endpoint).toEqual([400, "VALIDATION_FAILED"]);
      expect(res.body.error.issues[0].path).toBe("endpoint");
    }
    const list = await rest(server.url, "GET", "/me/push-subscriptions", { token: user.token });
    expect(list.body.subscriptions).toEqual([]);
  });
});
