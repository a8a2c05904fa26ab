import { WEBHOOK_EVENT_TYPES } from "@natter/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createRoom,
  grantServerAdmin,
  httpClient,
  ManualClock,
  rest,
  signUp,
  startTestServer,
  startWebhookReceiver,
  type TestServer,
  type TestUser,
  type WebhookReceiver,
} from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

const ALL_EVENTS = [...WEBHOOK_EVENT_TYPES];

describe("outgoing webhooks", () => {
  // The clock only ever moves a few seconds at a time: receivers check webhook-timestamp
  // against their own time (5 minutes of tolerance).
  const clock = new ManualClock();
  let server: TestServer;
  let admin: TestUser;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      config: { webhookAllowPrivateNetworks: true, webhookTimeoutMs: 1000, webhookPollIntervalMs: 50 },
    });
    admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
  });
  afterEach(async () => {
    // Endpoints of one test must not receive the next one's events.
    const { body } = await rest(server.url, "GET", "/admin/webhooks", { token: admin.token });
    for (const webhook of body.webhooks) {
      await rest(server.url, "DELETE", `/admin/webhooks/${webhook.id}`, { token: admin.token });
    }
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });
  afterAll(() => server.stop());

  async function receiver(): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver();
    receivers.push(started);
    return started;
  }

  /** Registers `target` for `events` (server-wide unless `roomId`); its secret verifies what it receives. */
  async function register(target: WebhookReceiver, events: string[] = ALL_EVENTS, roomId?: string) {
    const res = await rest(server.url, "POST", "/admin/webhooks", {
      token: admin.token,
      body: { url: target.url, events, ...(roomId && { roomId }) },
    });
    expect(res.status).toBe(201);
    target.secrets.push(res.body.secret);
    return res.body.webhook as { id: string };
  }

  const deliveries = async (webhookId: string) =>
    (await rest(server.url, "GET", `/admin/webhooks/${webhookId}/deliveries`, { token: admin.token })).body
      .deliveries as any[];

  it("delivers every event kind once, signed as Standard Webhooks says, with the API's objects", async () => {
    const target = await receiver();
    await register(target);
    const owner = await signUp(server.url);
    const [bob, carol] = [await signUp(server.url), await signUp(server.url)];
    const room = await createRoom(server.url, owner.token, { name: "hooked", memberIds: [bob.id, carol.id] });
    const as = (user: TestUser, method: string, path: string, body?: unknown) =>
      rest(server.url, method, `/rooms/${room.id}${path}`, { token: user.token, body });
    await as(owner, "PATCH", "", { name: "hooked again" });
    const sent = (await as(bob, "POST", "/messages", { body: "hello hooks" })).body.message;
    const thumbs = `/messages/${sent.id}/reactions/${encodeURIComponent("👍")}`;
    await as(carol, "PUT", thumbs);
    await as(carol, "DELETE", thumbs);
    await as(carol, "POST", "/messages", { body: "in its thread", threadId: sent.id });
    await as(owner, "PUT", `/pins/${sent.id}`);
    await as(owner, "DELETE", `/pins/${sent.id}`);
    await as(bob, "PATCH", `/messages/${sent.id}`, { body: "hello, hooks" });
    await as(bob, "DELETE", `/messages/${sent.id}`);
    await as(owner, "PUT", `/members/${carol.id}`, { role: "admin" });
    await as(owner, "PUT", `/mutes/${bob.id}`, { reason: "cooling off" });
    await as(owner, "DELETE", `/mutes/${bob.id}`);
    await as(owner, "DELETE", `/members/${bob.id}`);
    await as(carol, "POST", "/leave");
    await as(owner, "DELETE", "");

    await waitFor("every event kind", () => ALL_EVENTS.every((type) => target.unique(type).length > 0));
    await waitFor("the room's deletion", () => target.unique("room.deleted").length > 0);
    // Each delivery came once (the receiver answered 200 every time), verified with the secret.
    expect(new Set(target.received.map((r) => r.id)).size).toBe(target.received.length);
    for (const request of target.received) {
      expect(request.verifiedBy, request.type).toEqual([0]);
      expect(request.id).toMatch(/^msg_/);
      expect(Math.abs(request.timestamp - Math.floor(clock.now() / 1000))).toBeLessThan(5);
      expect(request.signature).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
      expect(JSON.parse(request.body)).toEqual({
        type: request.type,
        timestamp: expect.any(String),
        data: request.data,
      });
    }
    const users = target.unique("user.created").map((r) => r.data.id);
    expect(users).toEqual(expect.arrayContaining([owner.id, bob.id, carol.id]));
    expect(target.unique("message.created")[0]?.data).toMatchObject({
      roomId: room.id,
      type: "message.created",
      actorId: bob.id,
      message: { id: sent.id, body: "hello hooks", authorId: bob.id },
    });
    expect(target.unique("message.edited")[0]?.data.message.body).toBe("hello, hooks");
    expect(target.unique("member.role_changed")[0]?.data).toMatchObject({ userId: carol.id, role: "admin" });
    expect(target.unique("member.kicked")[0]?.data).toMatchObject({ userId: bob.id });
    // One room's events arrive in seq order, with none missing.
    const seqs = target.received.filter((r) => r.data?.roomId === room.id).map((r) => r.data.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it("sends a test event on request, and lists deliveries with their last attempt", async () => {
    const target = await receiver();
    const webhook = await register(target, ["message.created"]);
    const res = await rest(server.url, "POST", `/admin/webhooks/${webhook.id}/test`, { token: admin.token });
    expect([res.status, res.body.delivery.type, res.body.delivery.status]).toEqual([200, "webhook.test", "pending"]);
    await waitFor("the test event", () => target.unique("webhook.test").length === 1);
    expect(target.unique("webhook.test")[0]).toMatchObject({ data: { webhookId: webhook.id }, verifiedBy: [0] });
    await vi.waitFor(
      async () => {
        const [listed] = await deliveries(webhook.id);
        expect(listed).toMatchObject({
          id: res.body.delivery.id,
          type: "webhook.test",
          status: "delivered",
          attempts: 1,
          nextAttemptAt: null,
          lastAttempt: { statusCode: 200, error: null, response: "answered 200" },
        });
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it("retries a receiver that is down, then delivers everything in order per room without holding up others", async () => {
    const down = await receiver();
    const healthy = await receiver();
    const downHook = await register(down, ["message.created"]);
    await register(healthy, ["message.created"]);
    const owner = await signUp(server.url);
    const rooms = [await createRoom(server.url, owner.token), await createRoom(server.url, owner.token)];
    down.respondWith({ status: 500 });
    const sent: Record<string, number[]> = Object.fromEntries(rooms.map((room) => [room.id, []]));
    for (let i = 0; i < 4; i += 1) {
      for (const room of rooms) {
        const res = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
          token: owner.token,
          body: { body: `m${i}` },
        });
        sent[room.id]?.push(res.body.message.seq);
      }
    }
    // The healthy endpoint has everything while the other is failing.
    await waitFor("the healthy endpoint's deliveries", () => healthy.unique("message.created").length === 8);
    // The failing one was tried once per room: a room's later events wait behind its first.
    await waitFor("a first attempt per room", () => down.received.length === 2);
    expect(down.received.map((r) => r.data.message.body)).toEqual(["m0", "m0"]);
    const [waiting] = (await deliveries(downHook.id)).filter((d) => d.attempts === 1);
    expect(waiting).toMatchObject({ status: "pending", lastAttempt: { statusCode: 500 } });
    const retryIn = Date.parse(waiting.nextAttemptAt) - Date.parse(waiting.lastAttempt.at);
    expect(retryIn).toBeGreaterThanOrEqual(4_000);
    expect(retryIn).toBeLessThanOrEqual(10_000);
    expect(down.received).toHaveLength(2);

    down.respondWith({ status: 200 });
    clock.advance(10_000);
    await waitFor("every delivery", () => down.unique("message.created").length === 8);
    for (const room of rooms) {
      const arrived = down
        .unique()
        .filter((r) => r.data.roomId === room.id)
        .map((r) => r.data.seq);
      expect(arrived).toEqual(sent[room.id]);
    }
    // The two failed first attempts came again with the same webhook-id: a receiver deduplicates them.
    expect(down.received).toHaveLength(10);
    // Answers are recorded by the worker's next claim, within its wake-up delay of the last one.
    const endpoint = async () =>
      (await rest(server.url, "GET", `/admin/webhooks/${downHook.id}`, { token: admin.token })).body.webhook;
    await expect.poll(endpoint).toMatchObject({ enabled: true, failingSince: null });
  });

  it("honours Retry-After from a receiver that answers 429", async () => {
    const target = await receiver();
    const webhook = await register(target, ["message.created"]);
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token);
    target.respondWith({ status: 429, retryAfterSeconds: 60 });
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: owner.token, body: { body: "later" } });
    await waitFor("the first attempt", () => target.received.length === 1);
    await vi.waitFor(async () => expect((await deliveries(webhook.id))[0]?.attempts).toBe(1), { interval: 50 });
    const [delivery] = await deliveries(webhook.id);
    expect(Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.lastAttempt.at)).toBeGreaterThanOrEqual(60_000);
    target.respondWith({ status: 200 });
    clock.advance(30_000);
    // Not yet: a retry before the receiver's time would show up here on the next poll.
    await rest(server.url, "POST", `/admin/webhooks/${webhook.id}/test`, { token: admin.token });
    await waitFor("the test event", () => target.unique("webhook.test").length === 1);
    expect(target.unique("message.created")).toHaveLength(1);
    clock.advance(31_000);
    await waitFor("the retry", () => target.received.filter((r) => r.type === "message.created").length === 2);
  });

  it("disables an endpoint that answers 410, and the activity log says so", async () => {
    const gone = await receiver();
    const witness = await receiver();
    const webhook = await register(gone, ["message.created"]);
    const witnessHook = await register(witness, ["message.created"]);
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token);
    gone.respondWith({ status: 410 });
    const say = (body: string) =>
      rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: owner.token, body: { body } });
    await say("first");
    await vi.waitFor(
      async () => {
        const { body } = await rest(server.url, "GET", `/admin/webhooks/${webhook.id}`, { token: admin.token });
        expect(body.webhook).toMatchObject({ enabled: false, disabledReason: "gone" });
      },
      { interval: 50 },
    );
    await say("second");
    await waitFor("the witness's two deliveries", () => witness.unique().length === 2);
    clock.advance(10_000);
    // A poll after the clock moved past any retry: the witness's test event shows it ran.
    await rest(server.url, "POST", `/admin/webhooks/${witnessHook.id}/test`, { token: admin.token });
    await waitFor("a later delivery to the witness", () => witness.unique("webhook.test").length === 1);
    expect(gone.received).toHaveLength(1);
    const activity = await rest(server.url, "GET", "/admin/activity?type=webhook.disabled", { token: admin.token });
    expect(activity.body.entries[0]).toMatchObject({
      type: "webhook.disabled",
      details: { webhookId: webhook.id, reason: "gone" },
    });
  });

  it("gives up an attempt that hangs after the timeout, while other endpoints go on", async () => {
    const hanging = await receiver();
    const healthy = await receiver();
    const webhook = await register(hanging, ["message.created"]);
    await register(healthy, ["message.created"]);
    hanging.respondWith({ status: "hang" });
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token);
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: owner.token, body: { body: "anyone?" } });
    await waitFor("the healthy delivery", () => healthy.unique().length === 1);
    await vi.waitFor(
      async () => {
        const [delivery] = await deliveries(webhook.id);
        expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastAttempt: { statusCode: null } });
        expect(delivery.lastAttempt.error).toMatch(/no answer within 1000 ms/);
        expect(delivery.lastAttempt.durationMs).toBeGreaterThanOrEqual(950);
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it("rotates the secret: both signatures for a while, each verifying with its own secret", async () => {
    const target = await receiver();
    const webhook = await register(target, ["message.created"]);
    const res = await rest(server.url, "POST", `/admin/webhooks/${webhook.id}/rotate-secret`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.secret).not.toBe(target.secrets[0]);
    expect(res.body.webhook.previousSecretExpiresAt).toBe(new Date(clock.now() + 24 * 3_600_000).toISOString());
    target.secrets.push(res.body.secret);
    await rest(server.url, "POST", `/admin/webhooks/${webhook.id}/test`, { token: admin.token });
    await waitFor("the test event", () => target.received.length === 1);
    const [request] = target.received;
    expect(request?.signature.split(" ")).toHaveLength(2);
    expect(request?.verifiedBy).toEqual([0, 1]);
  });

  it("redelivers a delivery with the same webhook-id", async () => {
    const target = await receiver();
    const webhook = await register(target, ["message.created"]);
    const { body } = await rest(server.url, "POST", `/admin/webhooks/${webhook.id}/test`, { token: admin.token });
    await waitFor("the first delivery", () => target.received.length === 1);
    await vi.waitFor(async () => expect((await deliveries(webhook.id))[0]?.status).toBe("delivered"), { interval: 50 });
    const again = await rest(
      server.url,
      "POST",
      `/admin/webhooks/${webhook.id}/deliveries/${body.delivery.id}/redeliver`,
      { token: admin.token },
    );
    expect([again.status, again.body.delivery.status]).toEqual([200, "pending"]);
    await waitFor("the second delivery", () => target.received.length === 2);
    expect(target.received.map((r) => r.id)).toEqual([body.delivery.id, body.delivery.id]);
    const missing = await rest(server.url, "POST", `/admin/webhooks/${webhook.id}/deliveries/msg_nope/redeliver`, {
      token: admin.token,
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, "WEBHOOK_DELIVERY_NOT_FOUND"]);
  });

  it("shows the secret once, validates what it is given, and is for server admins only", async () => {
    const target = await receiver();
    const res = await rest(server.url, "POST", "/admin/webhooks", {
      token: admin.token,
      body: { url: target.url, events: ["message.created", "message.created"] },
    });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(res.body.secret.slice(6), "base64")).toHaveLength(32);
    expect(res.body.webhook.events).toEqual(["message.created"]);
    const listed = await rest(server.url, "GET", "/admin/webhooks", { token: admin.token });
    expect(JSON.stringify(listed.body)).not.toContain(res.body.secret.slice(6));
    const one = await rest(server.url, "GET", `/admin/webhooks/${res.body.webhook.id}`, { token: admin.token });
    expect(JSON.stringify(one.body)).not.toContain(res.body.secret.slice(6));

    for (const body of [
      { url: "ftp://example.com/hook", events: ["message.created"] },
      { url: "not a url", events: ["message.created"] },
      { url: target.url, events: [] },
      { url: target.url, events: ["message.exploded"] },
    ]) {
      const refused = await rest(server.url, "POST", "/admin/webhooks", { token: admin.token, body });
      expect([refused.status, refused.body.error.code], JSON.stringify(body)).toEqual([400, "VALIDATION_FAILED"]);
    }
    const someone = await signUp(server.url);
    const forbidden = await rest(server.url, "POST", "/admin/webhooks", {
      token: someone.token,
      body: { url: target.url, events: ["message.created"] },
    });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const unknown = await rest(server.url, "GET", "/admin/webhooks/nope", { token: admin.token });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "WEBHOOK_NOT_FOUND"]);
    // PATCH: events and enabled.
    const patched = await rest(server.url, "PATCH", `/admin/webhooks/${res.body.webhook.id}`, {
      token: admin.token,
      body: { events: ["member.joined"], enabled: false },
    });
    expect(patched.body.webhook).toMatchObject({ events: ["member.joined"], enabled: false, disabledReason: "admin" });
  });

  it("lets room owners register webhooks for their own rooms, which hear only those rooms", async () => {
    const target = await receiver();
    const owner = await signUp(server.url);
    const member = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { memberIds: [member.id] });
    const other = await createRoom(server.url, owner.token);
    const byMember = await rest(server.url, "POST", `/rooms/${room.id}/webhooks`, {
      token: member.token,
      body: { url: target.url, events: ["message.created"] },
    });
    expect([byMember.status, byMember.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const userEvents = await rest(server.url, "POST", `/rooms/${room.id}/webhooks`, {
      token: owner.token,
      body: { url: target.url, events: ["user.created"] },
    });
    expect([userEvents.status, userEvents.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    // Its room was made before it: a room-scoped endpoint could never hear room.created.
    const roomCreated = await rest(server.url, "POST", `/rooms/${room.id}/webhooks`, {
      token: owner.token,
      body: { url: target.url, events: ["message.created", "room.created"] },
    });
    expect([roomCreated.status, roomCreated.body.error.message]).toEqual([
      400,
      "room.created goes to server-wide endpoints only",
    ]);
    const created = await rest(server.url, "POST", `/rooms/${room.id}/webhooks`, {
      token: owner.token,
      body: { url: target.url, events: ["message.created"] },
    });
    expect([created.status, created.body.webhook.roomId]).toEqual([201, room.id]);
    target.secrets.push(created.body.secret);
    await rest(server.url, "POST", `/rooms/${other.id}/messages`, { token: owner.token, body: { body: "elsewhere" } });
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: member.token, body: { body: "here" } });
    await waitFor("the room's message", () => target.received.length === 1);
    expect(target.received[0]).toMatchObject({ verifiedBy: [0], data: { roomId: room.id, message: { body: "here" } } });
    const listed = await rest(server.url, "GET", `/rooms/${room.id}/webhooks`, { token: owner.token });
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).toEqual([created.body.webhook.id]);
    const deleted = await rest(server.url, "DELETE", `/rooms/${room.id}/webhooks/${created.body.webhook.id}`, {
      token: owner.token,
    });
    expect(deleted.body).toEqual({ webhookId: created.body.webhook.id, deleted: true });
  });

  it("lets a room's owner get, change, rotate, test and redeliver its webhooks, and no other room's", async () => {
    const target = await receiver();
    const owner = await signUp(server.url);
    const member = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { memberIds: [member.id] });
    const other = await createRoom(server.url, owner.token);
    const stranger = await signUp(server.url);
    const strangers = await createRoom(server.url, stranger.token);
    const as = (token: string, method: string, path: string, body?: unknown) =>
      rest(server.url, method, path, { token, body });
    const created = await as(owner.token, "POST", `/rooms/${room.id}/webhooks`, {
      url: target.url,
      events: ["message.created"],
    });
    target.secrets.push(created.body.secret);
    const hook = `/rooms/${room.id}/webhooks/${created.body.webhook.id}`;
    // Another owner's room's endpoint, and a server-wide one.
    const elsewhere = await as(stranger.token, "POST", `/rooms/${strangers.id}/webhooks`, {
      url: target.url,
      events: ["message.created"],
    });
    const serverWide = await register(await receiver(), ["message.created"]);

    const got = await as(owner.token, "GET", hook);
    expect([got.status, got.body.webhook]).toEqual([200, { ...created.body.webhook }]);
    const patched = await as(owner.token, "PATCH", hook, { events: ["message.created", "message.edited"] });
    expect(patched.body.webhook.events).toEqual(["message.created", "message.edited"]);

    // Rotation: both signatures, each verified with its own secret by `standardwebhooks`.
    const rotated = await as(owner.token, "POST", `${hook}/rotate-secret`);
    expect([rotated.status, rotated.body.secret === created.body.secret]).toEqual([200, false]);
    expect(rotated.headers.get("cache-control")).toContain("no-store");
    target.secrets.push(rotated.body.secret);
    const tested = await as(owner.token, "POST", `${hook}/test`);
    expect([tested.status, tested.body.delivery.type]).toEqual([200, "webhook.test"]);
    await waitFor("the test event", () => target.received.length === 1);
    expect(target.received[0]?.signature.split(" ")).toHaveLength(2);
    expect(target.received[0]?.verifiedBy).toEqual([0, 1]);
    const listed = async () => (await as(owner.token, "GET", `${hook}/deliveries?limit=5`)).body.deliveries;
    await expect.poll(async () => (await listed())[0]?.status).toBe("delivered");
    expect(await listed()).toMatchObject([
      { id: tested.body.delivery.id, attempts: 1, lastAttempt: { statusCode: 200 } },
    ]);

    // Redelivery keeps the webhook-id.
    const again = await as(owner.token, "POST", `${hook}/deliveries/${tested.body.delivery.id}/redeliver`);
    expect([again.status, again.body.delivery.status]).toEqual([200, "pending"]);
    await waitFor("the second delivery", () => target.received.length === 2);
    expect(target.received.map((r) => r.id)).toEqual([tested.body.delivery.id, tested.body.delivery.id]);
    expect(target.received[1]?.verifiedBy).toEqual([0, 1]);
    const missing = await as(owner.token, "POST", `${hook}/deliveries/msg_nope/redeliver`);
    expect([missing.status, missing.body.error.code]).toEqual([404, "WEBHOOK_DELIVERY_NOT_FOUND"]);

    // Another room's endpoint and a server-wide one are not found through this room, nor through
    // another room of the same owner; a plain member is refused; a stranger's room is theirs.
    for (const path of [
      `/rooms/${room.id}/webhooks/${elsewhere.body.webhook.id}`,
      `/rooms/${room.id}/webhooks/${serverWide.id}`,
      `/rooms/${other.id}/webhooks/${created.body.webhook.id}`,
    ]) {
      for (const [method, tail] of [
        ["GET", ""],
        ["PATCH", ""],
        ["POST", "/rotate-secret"],
        ["POST", "/test"],
        ["GET", "/deliveries"],
        ["POST", `/deliveries/${tested.body.delivery.id}/redeliver`],
        ["DELETE", ""],
      ] as const) {
        const res = await as(
          owner.token,
          method,
          `${path}${tail}`,
          method === "PATCH" ? { enabled: false } : undefined,
        );
        expect([res.status, res.body.error?.code], `${method} ${path}${tail}`).toEqual([404, "WEBHOOK_NOT_FOUND"]);
      }
    }
    for (const [method, tail] of [
      ["GET", ""],
      ["POST", "/rotate-secret"],
      ["POST", "/test"],
      ["GET", "/deliveries"],
    ] as const) {
      const res = await as(member.token, method, `${hook}${tail}`);
      expect([res.status, res.body.error?.code], `${method} ${tail}`).toEqual([403, "FORBIDDEN"]);
    }
    const strangerRes = await as(stranger.token, "GET", hook);
    expect([strangerRes.status, strangerRes.body.error.code]).toEqual([403, "FORBIDDEN"]);
    // Nothing was changed by the refused calls: still enabled, its secret the rotated one.
    expect((await as(owner.token, "GET", hook)).body.webhook).toMatchObject({ enabled: true });
    expect(target.received).toHaveLength(2);

    // Over tRPC, and a server admin may too.
    const client = httpClient(server.url, owner.token);
    const disabled = await client.webhooks.updateForRoom.mutate({
      roomId: room.id,
      webhookId: created.body.webhook.id,
      enabled: false,
    });
    expect(disabled.webhook).toMatchObject({ enabled: false, disabledReason: "admin" });
    const byAdmin = await httpClient(server.url, admin.token).webhooks.getForRoom.query({
      roomId: room.id,
      webhookId: created.body.webhook.id,
    });
    expect(byAdmin.webhook.enabled).toBe(false);
    const page = await client.webhooks.deliveriesForRoom.query({
      roomId: room.id,
      webhookId: created.body.webhook.id,
      limit: 1,
    });
    expect(page.deliveries.map((d) => d.id)).toEqual([tested.body.delivery.id]);
    await expect(
      client.webhooks.testForRoom.mutate({ roomId: strangers.id, webhookId: elsewhere.body.webhook.id }),
    ).rejects.toMatchObject({ data: { error: { code: "FORBIDDEN" } } });
  });

  it("works the same over tRPC", async () => {
    const target = await receiver();
    const client = httpClient(server.url, admin.token);
    const { webhook, secret } = await client.webhooks.create.mutate({ url: target.url, events: ["message.created"] });
    target.secrets.push(secret);
    await client.webhooks.test.mutate({ webhookId: webhook.id });
    await waitFor("the test event", () => target.received.length === 1);
    expect(target.received[0]?.verifiedBy).toEqual([0]);
    const { webhooks } = await client.webhooks.list.query();
    expect(webhooks.map((w) => w.id)).toContain(webhook.id);
  });
});
