import {
  createNatterClient,
  isNatterError,
  type NatterClient,
  type ReceiptSignal,
  type RoomEvent,
} from "@natter/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer, uniqueUsername } from "../harness/index.js";

const WAIT = { timeout: 20_000, interval: 10 };

describe("@natter/client reactions, threads, pins and receipts", () => {
  let server: TestServer;
  const clients: NatterClient[] = [];
  const newUser = async () => {
    const client = createNatterClient({ url: server.url });
    clients.push(client);
    const { user } = await client.signUp(uniqueUsername("sdk"), "correct horse battery");
    return { client, user };
  };
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: "off" } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
  });

  it("reacts, replies in a thread, pins and reads receipts, with every change typed on watchRoom", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { room } = await alice.client.trpc.rooms.create.mutate({ name: "sdk", memberIds: [bob.user.id] });
    const events: RoomEvent[] = [];
    const receipts: ReceiptSignal[] = [];
    const watch = alice.client.watchRoom(room.id, {
      onEvent: (event) => events.push(event),
      onReceipt: (receipt) => receipts.push(receipt),
    });
    await vi.waitFor(() => expect(watch.state).toBe("open"), WAIT);
    const root = await alice.client.sendMessage(room.id, "root");
    expect(await bob.client.react(room.id, root.id, "🎉")).toEqual([{ emoji: "🎉", count: 1, me: true }]);
    const reply = await bob.client.sendMessage(room.id, "in the thread", { threadId: root.id });
    expect(reply.threadId).toBe(root.id);
    const thread = await alice.client.thread(room.id, root.id, { after: 0 });
    expect(thread.messages.map((m) => m.body)).toEqual(["in the thread"]);
    // Search narrowed to the thread: its first message and its replies, typed as the contract says.
    const either = await Promise.all(
      ["root", "thread"].map((q) => bob.client.searchMessages(q, { threadId: root.id })),
    );
    expect(either.map(({ results }) => results.map((hit) => hit.message.id))).toEqual([[root.id], [reply.id]]);
    expect((await alice.client.pin(room.id, root.id)).pinnedBy).toBe(alice.user.id);
    await expect(bob.client.pin(room.id, reply.id)).rejects.toSatisfy((error) => isNatterError(error, "FORBIDDEN"));
    expect((await alice.client.unpin(room.id, root.id)).pinnedAt).toBeNull();
    expect(await bob.client.unreact(room.id, root.id, "🎉")).toEqual([]);
    await bob.client.trpc.messages.markRead.mutate({ roomId: room.id, seq: reply.seq });
    await vi.waitFor(() => expect(receipts.map((r) => r.userId)).toEqual([bob.user.id]), WAIT);
    expect((await alice.client.receipts(room.id)).receipts).toEqual([
      { userId: bob.user.id, lastReadSeq: reply.seq, at: expect.any(String) },
    ]);
    await vi.waitFor(() => expect(events.length).toBe(7), WAIT);
    const kinds = events.map((event) => {
      switch (event.type) {
        case "reaction.added":
        case "reaction.removed":
          return `${event.type} ${event.emoji} ${event.count}`;
        case "thread.updated":
          return `${event.type} ${event.thread.replyCount}`;
        case "message.pinned":
        case "message.unpinned":
          return `${event.type} ${event.messageId === root.id}`;
        default:
          return event.type;
      }
    });
    expect(kinds).toEqual([
      "message.created",
      "reaction.added 🎉 1",
      "message.created",
      "thread.updated 1",
      "message.pinned true",
      "message.unpinned true",
      "reaction.removed 🎉 0",
    ]);
    watch.stop();
  });
});
