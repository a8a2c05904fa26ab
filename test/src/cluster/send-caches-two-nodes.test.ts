import { describe, expect, it, onTestFinished } from "vitest";
import {
  grantServerAdmin,
  redisUnavailable,
  rest,
  signUpMany,
  startWebhookReceiver,
  type TestUser,
} from "../harness/index.js";
import { watchInbox } from "../inbox/inbox-fixtures.js";
import { newRoom, send, waitFor } from "../messages/room-fixtures.js";
import { twoNodes } from "./two-nodes.js";

const redisMissing = await redisUnavailable();

/**
 * What a node keeps in memory of a room for its sends (members and roles, webhook endpoints)
 * is never used once a change on another node made it stale: each node below first sends in
 * the room, so that it keeps the room, then the change is made on the other node and the very
 * next send is checked, with no waiting between them.
 */
describe.skipIf(redisMissing !== undefined)("what sends keep of a room, across two nodes", () => {
  const nodes = twoNodes("send-caches", { webhookAllowPrivateNetworks: true, webhookPollIntervalMs: 50 });

  /** A send's status and error code, without throwing. */
  async function trySend(url: string, user: TestUser, roomId: string, body: string) {
    const res = await rest(url, "POST", `/rooms/${roomId}/messages`, { token: user.token, body: { body } });
    return { status: res.status, code: res.body.error?.code as string | undefined };
  }

  it("refuses a member kicked on the other node at once, and lets one added there send", async () => {
    const { a, b } = nodes;
    const [owner, member, newcomer] = await signUpMany(a.url, 3);
    const closed = await newRoom(a.url, owner, { open: false, members: [member] });
    const open = await newRoom(a.url, owner, { open: true, members: [member] });
    for (const roomId of [closed, open]) await send(b.url, member, roomId, "kept by B");

    for (const roomId of [closed, open]) {
      const kicked = await rest(a.url, "DELETE", `/rooms/${roomId}/members/${member.id}`, { token: owner.token });
      expect(kicked.status).toBe(200);
    }
    // A closed room answers a non-member as if it did not exist; an open one refuses the send.
    for (const node of [b, a]) {
      expect(await trySend(node.url, member, closed, "after the kick")).toEqual({
        status: 404,
        code: "ROOM_NOT_FOUND",
      });
      expect(await trySend(node.url, member, open, "after the kick")).toEqual({ status: 403, code: "FORBIDDEN" });
    }

    // From the inbox's start: entries written before the subscription is up are replayed.
    const inboxOnA = watchInbox(nodes.connect(a.url, newcomer.token), "0");
    const added = await rest(a.url, "PUT", `/rooms/${closed}/members/${newcomer.id}`, {
      token: owner.token,
      body: { role: "member" },
    });
    expect(added.status).toBe(200);
    expect(await trySend(b.url, newcomer, closed, "hello from the newcomer")).toEqual({ status: 201, code: undefined });
    // And the newcomer is among those whom a message sent on B goes to.
    const fromOwner = await send(b.url, owner, closed, "welcome");
    await inboxOnA.until("the owner's message in the newcomer's inbox", (events) =>
      events.some((event) => event.type === "message.created" && event.messageId === fromOwner.id),
    );
    const history = await rest(a.url, "GET", `/rooms/${closed}/messages`, { token: owner.token });
    expect(history.body.messages.map((message: { body: string }) => message.body)).not.toContain("after the kick");
  });

  it("applies a role changed on the other node to the next send at once (slow mode binds members only)", async () => {
    const { a, b } = nodes;
    const [owner, member] = await signUpMany(a.url, 2);
    const roomId = await newRoom(a.url, owner, { members: [member] });
    const slow = await rest(a.url, "PATCH", `/rooms/${roomId}`, {
      token: owner.token,
      body: { slowModeSeconds: 3600 },
    });
    expect(slow.status).toBe(200);
    await send(b.url, member, roomId, "first");
    expect(await trySend(b.url, member, roomId, "second")).toEqual({ status: 429, code: "SLOW_MODE" });

    const promoted = await rest(a.url, "PUT", `/rooms/${roomId}/members/${member.id}`, {
      token: owner.token,
      body: { role: "admin" },
    });
    expect(promoted.status).toBe(200);
    expect(await trySend(b.url, member, roomId, "as an admin")).toEqual({ status: 201, code: undefined });

    const demoted = await rest(a.url, "PUT", `/rooms/${roomId}/members/${member.id}`, {
      token: owner.token,
      body: { role: "member" },
    });
    expect(demoted.status).toBe(200);
    expect(await trySend(b.url, member, roomId, "a member again")).toEqual({ status: 429, code: "SLOW_MODE" });
  });

  // A server-wide endpoint touches every room's cache version (its room_id is null): each room's.
  it.each(["room", "server"])(
    "queues deliveries to a %s endpoint made on the other node at once, and none once it is disabled there",
    async (scope) => {
      const { a, b } = nodes;
      const [admin, owner] = await signUpMany(a.url, 2);
      await grantServerAdmin(a.databaseUrl, admin.username);
      const roomId = await newRoom(a.url, owner);
      await send(b.url, owner, roomId, "kept by B");
      const receiver = await startWebhookReceiver();
      onTestFinished(() => receiver.close());

      const made = await rest(a.url, "POST", "/admin/webhooks", {
        token: admin.token,
        body: { url: receiver.url, events: ["message.created"], ...(scope === "room" && { roomId }) },
      });
      expect(made.status).toBe(201);
      receiver.secrets.push(made.body.secret);
      const webhookId = made.body.webhook.id as string;
      const deliveries = async () =>
        (await rest(a.url, "GET", `/admin/webhooks/${webhookId}/deliveries`, { token: admin.token })).body
          .deliveries as Array<{ type: string; roomId: string; seq: number }>;

      const sent = await send(b.url, owner, roomId, "to the new endpoint");
      expect(await deliveries()).toEqual([expect.objectContaining({ type: "message.created", roomId, seq: sent.seq })]);
      await waitFor("the delivery", () => receiver.unique("message.created").length === 1);
      expect(receiver.unique("message.created")[0]?.data.message.id).toBe(sent.id);

      const disabled = await rest(a.url, "PATCH", `/admin/webhooks/${webhookId}`, {
        token: admin.token,
        body: { enabled: false },
      });
      expect(disabled.status).toBe(200);
      await send(b.url, owner, roomId, "to nobody");
      expect((await deliveries()).map((delivery) => delivery.seq)).toEqual([sent.seq]);
    },
  );
});
