import type { Message, RoomEvent } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  httpClient,
  joinRoom,
  ManualClock,
  rest,
  signUp,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { newRoom, send, waitFor, watchRoom } from "../messages/room-fixtures.js";
import { conversationServer } from "./conversation-server.js";

const THUMBS = "👍";
const path = (roomId: string, messageId: string, emoji: string) =>
  `/rooms/${roomId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

describe("reactions", () => {
  const server = conversationServer();
  const { connect } = server;

  const react = (user: TestUser, roomId: string, messageId: string, emoji = THUMBS) =>
    rest(server.url, "PUT", path(roomId, messageId, emoji), { token: user.token });
  const unreact = (user: TestUser, roomId: string, messageId: string, emoji = THUMBS) =>
    rest(server.url, "DELETE", path(roomId, messageId, emoji), { token: user.token });
  const getMessage = async (user: TestUser | null, roomId: string, messageId: string): Promise<Message> => {
    const res = await rest(server.url, "GET", `/rooms/${roomId}/messages/${messageId}`, { token: user?.token });
    expect(res.status).toBe(200);
    return res.body.message;
  };

  it("adds a reaction once however often it is put, and takes it back once however often it is deleted", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const message = await send(server.url, alice, roomId, "react to me");
    for (let i = 0; i < 2; i++) {
      const put = await react(bob, roomId, message.id);
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ messageId: message.id, reactions: [{ emoji: THUMBS, count: 1, me: true }] });
    }
    await react(alice, roomId, message.id, ":party_parrot:");
    await react(alice, roomId, message.id);
    // First use orders them; `me` is the reader's own.
    expect((await getMessage(bob, roomId, message.id)).reactions).toEqual([
      { emoji: THUMBS, count: 2, me: true },
      { emoji: ":party_parrot:", count: 1, me: false },
    ]);
    expect((await getMessage(null, roomId, message.id)).reactions).toEqual([
      { emoji: THUMBS, count: 2, me: false },
      { emoji: ":party_parrot:", count: 1, me: false },
    ]);
    const history = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: alice.token });
    expect(history.body.messages[0].reactions).toEqual([
      { emoji: THUMBS, count: 2, me: true },
      { emoji: ":party_parrot:", count: 1, me: true },
    ]);
    // A page reads its reader's own reactions with its rows: each reader's, and theirs alone.
    const bobsHistory = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: bob.token });
    expect(bobsHistory.body.messages[0].reactions).toEqual([
      { emoji: THUMBS, count: 2, me: true },
      { emoji: ":party_parrot:", count: 1, me: false },
    ]);
    for (let i = 0; i < 2; i++) {
      const del = await unreact(bob, roomId, message.id);
      expect(del.status).toBe(200);
      expect(del.body.reactions).toEqual([
        { emoji: THUMBS, count: 1, me: false },
        { emoji: ":party_parrot:", count: 1, me: false },
      ]);
    }
    // Over tRPC alike.
    const trpc = httpClient(server.url, alice.token);
    await trpc.messages.unreact.mutate({ roomId, messageId: message.id, emoji: ":party_parrot:" });
    const after = await trpc.messages.get.query({ roomId, messageId: message.id });
    expect(after.message.reactions).toEqual([{ emoji: THUMBS, count: 1, me: true }]);
  });

  it("takes one emoji or a :shortcode: and refuses anything else as 400 VALIDATION_FAILED", async () => {
    const alice = await signUp(server.url);
    const roomId = await newRoom(server.url, alice);
    const message = await send(server.url, alice, roomId, "emoji");
    for (const emoji of ["👍🏽", "🇫🇷", "👨‍👩‍👧", "❤️", ":+1:", ":a-b_c:"]) {
      expect((await react(alice, roomId, message.id, emoji)).status, emoji).toBe(200);
    }
    for (const emoji of ["x", "👍👍", "👍x", ":Bad:", `:${"a".repeat(33)}:`, "::", " 👍", "%"]) {
      const res = await react(alice, roomId, message.id, emoji);
      expect(res.status, emoji).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("counts 50 members reacting at once exactly, and 25 of them taking it back at once", async () => {
    const owner = await signUp(server.url);
    const users = await Promise.all(Array.from({ length: 50 }, () => signUp(server.url)));
    const roomId = await newRoom(server.url, owner, { members: users });
    const message = await send(server.url, owner, roomId, "popular");
    const watch = watchRoom(connect(owner.token), roomId, String(message.seq));
    const answers = await Promise.all(users.map((user) => react(user, roomId, message.id)));
    expect(answers.map((res) => res.status)).toEqual(users.map(() => 200));
    expect((await getMessage(owner, roomId, message.id)).reactions).toEqual([{ emoji: THUMBS, count: 50, me: false }]);
    await Promise.all(users.slice(0, 25).map((user) => unreact(user, roomId, message.id)));
    expect((await getMessage(owner, roomId, message.id)).reactions).toEqual([{ emoji: THUMBS, count: 25, me: false }]);
    await watch.until("75 reaction events", (events) => events.length === 75);
    const added = watch.events.filter((event) => event.type === "reaction.added");
    // Each event carries the count after it: 1 to 50, then down to 25.
    expect(added.map((event) => event.type === "reaction.added" && event.count)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(watch.events.at(-1)).toMatchObject({ type: "reaction.removed", messageId: message.id, count: 25 });
    expect(new Set(added.map((event) => event.type === "reaction.added" && event.userId))).toEqual(
      new Set(users.map((user) => user.id)),
    );
  });

  it("refuses a 21st different emoji (409 TOO_MANY_REACTIONS) but counts more of the 20", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const message = await send(server.url, alice, roomId, "many");
    for (let i = 0; i < 20; i++) expect((await react(alice, roomId, message.id, `:e${i}:`)).status).toBe(200);
    const refused = await react(bob, roomId, message.id, ":e20:");
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("TOO_MANY_REACTIONS");
    expect((await react(bob, roomId, message.id, ":e7:")).body.reactions[7]).toEqual({
      emoji: ":e7:",
      count: 2,
      me: true,
    });
  });

  it("lets no reaction survive a message's deletion, however toggles race it (409 CONFLICT after)", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { members: [bob, carol] });
    const message = await send(server.url, alice, roomId, "doomed");
    const toggles = [bob, carol].flatMap((user) =>
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? react(user, roomId, message.id) : unreact(user, roomId, message.id),
      ),
    );
    const deletion = rest(server.url, "DELETE", `/rooms/${roomId}/messages/${message.id}`, { token: alice.token });
    const [deleted, ...answers] = await Promise.all([deletion, ...toggles]);
    expect(deleted.status).toBe(200);
    for (const res of answers) expect([200, 409]).toContain(res.status);
    expect((await getMessage(bob, roomId, message.id)).reactions).toEqual([]);
    const late = await react(bob, roomId, message.id);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("CONFLICT");
    expect((await unreact(bob, roomId, message.id)).status).toBe(200);
    const reactors = await rest(server.url, "GET", path(roomId, message.id, THUMBS), { token: bob.token });
    expect(reactors.body.reactors).toEqual([]);
    // A replay shows the tombstone as it is now: no reactions.
    const replay = watchRoom(connect(bob.token), roomId, "0");
    await replay.until("the deletion", (events) => events.some((event) => event.type === "message.deleted"));
    const created = replay.events.find((event) => event.type === "message.created");
    expect(created?.type === "message.created" && created.message.reactions).toEqual([]);
    // Nor any reaction being added to it or taken back: those entries left the log with the reactions.
    expect(replay.events.filter((event) => event.type.startsWith("reaction."))).toEqual([]);
  });

  it("replays messages with their reactions as of now, `me` for the watcher, and streams reaction events", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const message = await send(server.url, alice, roomId, "replayed");
    const live = watchRoom(connect(alice.token), roomId, String(message.seq));
    await react(bob, roomId, message.id);
    await react(bob, roomId, message.id, ":wave:");
    await unreact(bob, roomId, message.id, ":wave:");
    await live.until("three reaction events", (events) => events.length === 3);
    expect(live.events.map(({ type, ...rest }) => ({ type, ...pick(rest) }))).toEqual([
      { type: "reaction.added", messageId: message.id, emoji: THUMBS, userId: bob.id, count: 1 },
      { type: "reaction.added", messageId: message.id, emoji: ":wave:", userId: bob.id, count: 1 },
      { type: "reaction.removed", messageId: message.id, emoji: ":wave:", userId: bob.id, count: 0 },
    ]);
    const createdIn = (events: RoomEvent[]) => {
      const event = events.find((each) => each.type === "message.created");
      return event?.type === "message.created" ? event.message : undefined;
    };
    const forBob = watchRoom(connect(bob.token), roomId, "0");
    const forAnonymous = watchRoom(connect(), roomId, "0");
    for (const watch of [forBob, forAnonymous]) await watch.until("the message", (events) => !!createdIn(events));
    expect(createdIn(forBob.events)?.reactions).toEqual([{ emoji: THUMBS, count: 1, me: true }]);
    expect(createdIn(forAnonymous.events)?.reactions).toEqual([{ emoji: THUMBS, count: 1, me: false }]);
    // A live edit of a reacted message shows each watcher their own reactions.
    const bobLive = watchRoom(connect(bob.token), roomId, String(live.events.at(-1)?.seq));
    await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${message.id}`, {
      token: alice.token,
      body: { body: "edited" },
    });
    await waitFor("the edit", () => bobLive.events.some((event) => event.type === "message.edited"));
    await live.until("the edit", (events) => events.some((event) => event.type === "message.edited"));
    const editFor = (events: RoomEvent[]) => events.find((event) => event.type === "message.edited");
    const bobEdit = editFor(bobLive.events);
    const aliceEdit = editFor(live.events);
    expect(bobEdit?.type === "message.edited" && bobEdit.message.reactions).toEqual([
      { emoji: THUMBS, count: 1, me: true },
    ]);
    expect(aliceEdit?.type === "message.edited" && aliceEdit.message.reactions).toEqual([
      { emoji: THUMBS, count: 1, me: false },
    ]);
  });

  it("refuses a muted member's reaction (403 MUTED) and one across a block in a direct room (403 BLOCKED)", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const message = await send(server.url, alice, roomId, "quiet please");
    expect((await react(bob, roomId, message.id)).status).toBe(200);
    const muted = await rest(server.url, "PUT", `/rooms/${roomId}/mutes/${bob.id}`, { token: alice.token, body: {} });
    expect(muted.status).toBe(200);
    const refused = await react(bob, roomId, message.id, ":wave:");
    expect([refused.status, refused.body.error.code]).toEqual([403, "MUTED"]);
    // Taking a reaction back says nothing new: a muted member still may.
    expect((await unreact(bob, roomId, message.id)).body.reactions).toEqual([]);

    const dm = await rest(server.url, "POST", "/dms", { token: alice.token, body: { userId: bob.id } });
    const dmId: string = dm.body.room.id;
    const said = await send(server.url, alice, dmId, "hi bob");
    expect((await rest(server.url, "PUT", `/me/blocks/${alice.id}`, { token: bob.token })).status).toBe(200);
    for (const [user, target] of [
      [alice, said.id],
      [bob, said.id],
    ] as const) {
      const res = await react(user, dmId, target);
      expect([res.status, res.body.error.code]).toEqual([403, "BLOCKED"]);
    }
  });

  it("is for members: anonymous 401, a non-member 403 in an open room; a closed room is 404 to outsiders everywhere", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const open = await newRoom(server.url, alice);
    const closed = await newRoom(server.url, alice, { open: false });
    const inOpen = await send(server.url, alice, open, "open");
    const inClosed = await send(server.url, alice, closed, "closed");
    expect((await rest(server.url, "PUT", path(open, inOpen.id, THUMBS))).status).toBe(401);
    const stranger = await react(bob, open, inOpen.id);
    expect([stranger.status, stranger.body.error.code]).toEqual([403, "FORBIDDEN"]);
    for (const call of [
      () => react(bob, closed, inClosed.id),
      () => unreact(bob, closed, inClosed.id),
      () => rest(server.url, "GET", path(closed, inClosed.id, THUMBS), { token: bob.token }),
      () => rest(server.url, "GET", `/rooms/${closed}/messages/${inClosed.id}`, { token: bob.token }),
    ]) {
      const res = await call();
      expect([res.status, res.body.error.code]).toEqual([404, "ROOM_NOT_FOUND"]);
    }
    // A message of another room is not found here.
    const missing = await react(alice, open, inClosed.id);
    expect([missing.status, missing.body.error.code]).toEqual([404, "MESSAGE_NOT_FOUND"]);
    // Joining makes bob a member who may react.
    await joinRoom(server.url, bob.token, open);
    expect((await react(bob, open, inOpen.id)).status).toBe(200);
  });
});

/** The fields of a reaction event a test compares. */
function pick(event: Record<string, unknown>) {
  const { messageId, emoji, userId, count } = event;
  return { messageId, emoji, userId, count };
}

describe("reactions at one instant", () => {
  // The clock stands still: every reaction below is made in the same millisecond.
  const clock = new ManualClock();
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer({ clock, config: { rateLimits: "off" } });
  });
  afterAll(() => server?.stop());

  it("pages who reacted, earliest first, however many reacted in one millisecond", async () => {
    const url = server?.url ?? "";
    const owner = await signUp(url);
    const users = await Promise.all(Array.from({ length: 5 }, () => signUp(url)));
    const roomId = await newRoom(url, owner, { members: users });
    const message = await send(url, owner, roomId, "who");
    // Against user-id order, so a listing that broke ties by user id would show it.
    const order = [...users].sort((a, b) => (a.id < b.id ? 1 : -1));
    for (const user of order) {
      expect((await rest(url, "PUT", path(roomId, message.id, THUMBS), { token: user.token })).status).toBe(200);
    }
    const seen: string[] = [];
    const times = new Set<string>();
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await rest(url, "GET", `${path(roomId, message.id, THUMBS)}${query}`);
      expect(page.status).toBe(200);
      expect(page.body.reactors.length).toBeLessThanOrEqual(2);
      for (const reactor of page.body.reactors as Array<{ userId: string; reactedAt: string }>) {
        seen.push(reactor.userId);
        times.add(reactor.reactedAt);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(times.size).toBe(1);
    expect(seen).toEqual(order.map((user) => user.id));
    const forged = Buffer.from("reactors:not-a-seq").toString("base64url");
    const refused = await rest(url, "GET", `${path(roomId, message.id, THUMBS)}?cursor=${forged}`);
    expect([refused.status, refused.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
  });
});
