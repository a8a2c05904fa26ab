import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inboxEventSchema, type Message } from "@natter/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  deleteRedisKeys,
  rawEventStream,
  redisUnavailable,
  signUpMany,
  startRestartableServer,
  startTestServer,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestServer,
  testRedisPrefix,
  wsClient,
} from "../harness/index.js";
import { newRoom, send, waitFor } from "../messages/room-fixtures.js";
import { gapless, watchInbox } from "./inbox-fixtures.js";

const redisMissing = await redisUnavailable();

/**
 * Nodes on one database (the suite's engine) and one Redis: an entry committed on any node
 * reaches the user's stream on another in seq order; one whose publish never arrives (a node
 * on another prefix, as one killed between commit and publish) is read from the log.
 */
describe.skipIf(redisMissing !== undefined)("the inbox across nodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-inbox-nodes-"));
  let database: TestDatabase;
  const [sharedPrefix, silentPrefix] = [testRedisPrefix(), testRedisPrefix()];
  let nodeA: TestServer;
  let nodeB: TestServer;
  let silent: TestServer;
  const clients: Array<{ close(): void }> = [];
  /** Node B's warnings: an entry its tail read from the log says its publish did not reach B. */
  const nodeBWarnings: string[] = [];
  const node = (name: string, prefix: string, logLines?: string[]) =>
    startTestServer({
      database,
      dir: join(dir, name),
      config: { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, rateLimits: "off" },
      ...(logLines && { logLines }),
    });
  beforeAll(async () => {
    database = await createTestDatabase(dir);
    nodeA = await node("a", sharedPrefix);
    nodeB = await node("b", sharedPrefix, nodeBWarnings);
    silent = await node("silent", silentPrefix);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([nodeA?.stop(), nodeB?.stop(), silent?.stop()]);
    await Promise.all([deleteRedisKeys(sharedPrefix), deleteRedisKeys(silentPrefix)]);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers entries written on two nodes to a stream on one of them, gapless and in order", async () => {
    const [alice, bob, carol] = await signUpMany(nodeA.url, 3);
    const rooms = [
      await newRoom(nodeA.url, bob, { members: [alice] }),
      await newRoom(nodeB.url, carol, { members: [alice] }),
    ];
    const client = wsClient(nodeB.url, { token: alice.token });
    clients.push(client);
    const inbox = watchInbox(client.client, "0");
    await inbox.until("both rooms", (events) => events.length === 2);
    const sends: Promise<Message>[] = [];
    for (let i = 0; i < 20; i++) {
      sends.push(
        send(nodeA.url, bob, rooms[0] as string, `a${i}`),
        send(nodeB.url, carol, rooms[1] as string, `b${i}`),
      );
    }
    const seqOf = new Map((await Promise.all(sends)).map((message) => [message.id, message.seq]));
    await inbox.until("42 entries", (events) => events.length === 42);
    expect(inbox.error).toBeUndefined();
    expect(gapless(inbox.events)).toBe(true);
    // Each room's messages keep the room's order within the user's.
    for (const roomId of rooms) {
      const seqs = inbox.events.flatMap((event) =>
        event.type === "message.created" && event.roomId === roomId ? [seqOf.get(event.messageId)] : [],
      );
      expect(seqs).toHaveLength(20);
      expect(seqs).toEqual([...seqs].sort((a, b) => (a ?? 0) - (b ?? 0)));
    }
  });

  // What keeps an inbox delivery across nodes as cheap as a room watcher's: a message's
  // entries for all its room's members are one publish, not one per member.
  it("publishes a message's entries for every member of its room as one bus message", async () => {
    const [alice, bob, carol, dave] = await signUpMany(nodeA.url, 4);
    const roomId = await newRoom(nodeA.url, bob, { members: [alice, carol, dave] });
    const client = wsClient(nodeB.url, { token: alice.token });
    clients.push(client);
    const inbox = watchInbox(client.client, "0");
    await inbox.until("the room", (events) => events.length === 1);
    const subscriber = new Redis(TEST_REDIS_URL);
    try {
      const inboxMessages: string[] = [];
      subscriber.on("pmessage", (_pattern: string, channel: string, message: string) => {
        if (channel.startsWith(`${sharedPrefix}inbox`)) inboxMessages.push(message);
      });
      await subscriber.psubscribe(`${sharedPrefix}*`);
      const first = await send(nodeA.url, bob, roomId, "one");
      const second = await send(nodeA.url, bob, roomId, "two");
      await inbox.until("both", (events) => events.length === 3);
      // Redis hands one publisher's messages over in order: once the second is here, so is all of the first's.
      await new Promise<void>((resolve) => {
        const check = () => (inboxMessages.some((message) => message.includes(second.id)) ? resolve() : undefined);
        subscriber.on("pmessage", check);
        check();
      });
      expect(inboxMessages).toHaveLength(2);
      expect(inboxMessages[0]).toContain(first.id);
      for (const user of [alice, carol, dave]) expect(inboxMessages[1]).toContain(user.id);
      expect(gapless(inbox.events)).toBe(true);
      // And node B took them from that message, not from the log once they failed to come.
      expect(nodeBWarnings.filter((line) => line.includes("publish lost") && line.includes(alice.id))).toEqual([]);
    } finally {
      subscriber.disconnect();
    }
  });

  it("streams another node's entries as Server-Sent Events, each member's from the message's one part", async () => {
    const [alice, bob, carol] = await signUpMany(nodeA.url, 3);
    const roomId = await newRoom(nodeA.url, bob, { members: [alice, carol] });
    const streams = await Promise.all(
      [alice, carol].map((user) =>
        rawEventStream(nodeB.url, "/api/v1/me/events", {
          headers: { Accept: "text/event-stream", Authorization: `Bearer ${user.token}`, "Last-Event-ID": "1" },
        }),
      ),
    );
    for (const stream of streams) clients.push({ close: () => stream.close() });
    const sent = await send(nodeA.url, bob, roomId, "to both, over sse");
    for (const stream of streams) {
      await waitFor("the message", () => stream.events.length === 1);
      const [event] = stream.events;
      expect([event?.id, event?.event]).toEqual(["2", "message.created"]);
      const entry = inboxEventSchema.parse(JSON.parse(event?.data ?? ""));
      expect(entry).toMatchObject({ type: "message.created", seq: 2, messageId: sent.id, roomId });
    }
  });

  it("stops listening to the inbox channel with a node's last watcher, and listens again with the next", async () => {
    const [alice, bob] = await signUpMany(nodeA.url, 2);
    const roomId = await newRoom(nodeB.url, bob, { members: [alice] });
    const redis = new Redis(TEST_REDIS_URL);
    const listeners = async () =>
      Number(((await redis.pubsub("NUMSUB", `${sharedPrefix}inbox-batches.2`)) as [string, number])[1]);
    try {
      const elsewhere = await listeners();
      const first = wsClient(nodeA.url, { token: alice.token });
      clients.push(first);
      const before = watchInbox(first.client, "0");
      await before.until("the room", (events) => events.length === 1);
      await waitFor("node A listening", async () => (await listeners()) === elsewhere + 1);
      first.close();
      await waitFor("node A no longer listening", async () => (await listeners()) === elsewhere);
      const second = wsClient(nodeA.url, { token: alice.token });
      clients.push(second);
      const after = watchInbox(second.client, before.ids.at(-1));
      await waitFor("node A listening again", async () => (await listeners()) === elsewhere + 1);
      await send(nodeB.url, bob, roomId, "heard again");
      await after.until("the message", (events) => events.length === 1);
      expect(after.events.map((event) => [event.seq, event.type === "message.created" && event.preview])).toEqual([
        [2, "heard again"],
      ]);
    } finally {
      redis.disconnect();
    }
  });

  it("reads an entry whose publish was lost from the log, within 2 s", async () => {
    const [alice, bob] = await signUpMany(nodeA.url, 2);
    const roomId = await newRoom(nodeA.url, bob, { members: [alice] });
    const client = wsClient(nodeB.url, { token: alice.token });
    clients.push(client);
    const inbox = watchInbox(client.client, "0");
    await inbox.until("the room", (events) => events.length === 1);
    for (let round = 0; round < 3; round++) {
      await send(silent.url, bob, roomId, `unpublished ${round}`);
      const sentAt = Date.now();
      await inbox.until(`entry ${round + 2}`, (events) => events.length === round + 2);
      expect(Date.now() - sentAt).toBeLessThan(2000);
    }
    expect(gapless(inbox.events)).toBe(true);
  });

  it("resumes on another node from the last entry held on the first", async () => {
    const [alice, bob] = await signUpMany(nodeA.url, 2);
    const roomId = await newRoom(nodeA.url, bob, { members: [alice] });
    const onA = wsClient(nodeA.url, { token: alice.token });
    clients.push(onA);
    const first = watchInbox(onA.client, "0");
    await send(nodeA.url, bob, roomId, "one");
    await first.until("two entries", (events) => events.length === 2);
    onA.close();
    await send(nodeB.url, bob, roomId, "two");
    const onB = wsClient(nodeB.url, { token: alice.token });
    clients.push(onB);
    const resumed = watchInbox(onB.client, first.ids.at(-1));
    await resumed.until("the missed one", (events) => events.length === 1);
    await send(nodeA.url, bob, roomId, "three");
    await resumed.until("a live one", (events) => events.length === 2);
    expect(resumed.events.map((event) => [event.seq, event.type === "message.created" && event.preview])).toEqual([
      [3, "two"],
      [4, "three"],
    ]);
  });
});

describe("the inbox across a server restart", () => {
  it("replays what was written before and after the restart from the last entry held", async () => {
    const server = await startRestartableServer();
    const clients: Array<{ close(): void }> = [];
    try {
      const [alice, bob] = await signUpMany(server.url, 2);
      const roomId = await newRoom(server.url, bob, { members: [alice] });
      const before = wsClient(server.url, { token: alice.token });
      clients.push(before);
      const first = watchInbox(before.client, "0");
      await send(server.url, bob, roomId, "before");
      await first.until("two entries", (events) => events.length === 2);
      before.close();
      await send(server.url, bob, roomId, "missed before the restart");
      await server.close();
      await server.start();
      await send(server.url, bob, roomId, "after the restart");
      const after = wsClient(server.url, { token: alice.token });
      clients.push(after);
      const resumed = watchInbox(after.client, first.ids.at(-1));
      await resumed.until("both", (events) => events.length === 2);
      expect(resumed.events.map((event) => [event.seq, event.type === "message.created" && event.preview])).toEqual([
        [3, "missed before the restart"],
        [4, "after the restart"],
      ]);
    } finally {
      for (const client of clients) client.close();
      await server.dispose();
    }
  });
});
