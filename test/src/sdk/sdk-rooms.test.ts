import {
  type ConnectionState,
  createNatterClient,
  isNatterError,
  type NatterClient,
  type RoomEvent,
  type WatchRoomOptions,
} from "@natter/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer, uniqueUsername } from "../harness/index.js";

const PASSWORD = "correct horse battery";
const WAIT = { timeout: 20_000, interval: 10 };

/** The message bodies among `events`, in order. */
const bodies = (events: readonly RoomEvent[]) =>
  events.flatMap((e) => (e.type === "message.created" ? [e.message.body] : []));

/** `events` carry consecutive seqs starting at `from`: nothing missed, nothing twice. */
function expectGapless(events: readonly RoomEvent[], from: number): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => from + i));
}

describe("@natter/client rooms and messages", () => {
  let server: TestServer;
  const clients: NatterClient[] = [];
  const connect = (tokens: Array<string | null> = []) => {
    const client = createNatterClient({ url: server.url, onTokenChange: (t) => tokens.push(t) });
    clients.push(client);
    return client;
  };
  /** A new client signed in as a new user. */
  const newUser = async (tokens?: Array<string | null>) => {
    const client = connect(tokens);
    const username = uniqueUsername("sdk");
    const { user } = await client.signUp(username, PASSWORD);
    return { client, user, username };
  };
  /** Watches a room, recording its events and connection states. */
  const record = (client: NatterClient, roomId: string, options?: WatchRoomOptions) => {
    const events: RoomEvent[] = [];
    const states: ConnectionState[] = [];
    const watch = client.watchRoom(
      roomId,
      { onEvent: (event) => events.push(event), onStateChange: (state) => states.push(state) },
      options,
    );
    return { events, states, watch };
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });

  it("shows two members each other's messages once each, in seq order, the same for both", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { room } = await alice.client.trpc.rooms.create.mutate({ name: "sdk", open: true });
    await bob.client.trpc.rooms.join.mutate({ roomId: room.id });
    const forAlice = record(alice.client, room.id, { afterSeq: 0 });
    const forBob = record(bob.client, room.id);
    await vi.waitFor(() => expect(forBob.states).toEqual(["open"]), WAIT);

    for (let i = 0; i < 5; i++) {
      await Promise.all([alice.client.sendMessage(room.id, `a${i}`), bob.client.sendMessage(room.id, `b${i}`)]);
    }
    for (const seen of [forAlice, forBob]) {
      await vi.waitFor(() => expect(bodies(seen.events)).toHaveLength(10), WAIT);
    }
    expectGapless(forAlice.events, 1);
    expect(forAlice.events.map((e) => e.type).slice(0, 2)).toEqual(["room.created", "member.joined"]);
    // Bob started after the room's newest event: he sees everything from his own join on.
    expect(forBob.events).toEqual(forAlice.events.slice(2));
    expect(bodies(forAlice.events).filter((b) => b?.startsWith("a"))).toEqual(["a0", "a1", "a2", "a3", "a4"]);
    expect(forAlice.watch.lastSeq).toBe(forAlice.events.at(-1)?.seq);

    forBob.watch.stop();
    expect(await forBob.watch.ended).toEqual({ reason: "stopped" });
    expect(forBob.states).toEqual(["open", "closed"]);
    await alice.client.sendMessage(room.id, "after bob stopped");
    await vi.waitFor(() => expect(bodies(forAlice.events)).toContain("after bob stopped"), WAIT);
    expect(bodies(forBob.events)).toHaveLength(10);
  });

  it("starts after the newest message without afterSeq, and with it replays exactly what follows", async () => {
    const alice = await newUser();
    const { room } = await alice.client.trpc.rooms.create.mutate({ open: false });
    const first = await alice.client.sendMessage(room.id, "one");
    await alice.client.sendMessage(room.id, "two");
    const fromNewest = record(alice.client, room.id);
    const fromFirst = record(alice.client, room.id, { afterSeq: first.seq });
    await vi.waitFor(() => expect(fromNewest.states).toEqual(["open"]), WAIT);
    await alice.client.sendMessage(room.id, "three");
    await vi.waitFor(() => expect(bodies(fromNewest.events)).toEqual(["three"]), WAIT);
    await vi.waitFor(() => expect(bodies(fromFirst.events)).toEqual(["two", "three"]), WAIT);
    expectGapless(fromFirst.events, first.seq + 1);
  });

  it("sends a message once per clientMessageId, and throws natter's refusals without retrying", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { room } = await alice.client.trpc.rooms.create.mutate({ open: false });
    const original = await alice.client.sendMessage(room.id, "hello", { clientMessageId: "fixed-id" });
    const again = await alice.client.sendMessage(room.id, "hello", { clientMessageId: "fixed-id" });
    expect(again.id).toBe(original.id);
    const reply = await alice.client.sendMessage(room.id, "me again", { replyToId: original.id });
    expect(reply.replyToId).toBe(original.id);
    const { messages } = await alice.client.trpc.messages.list.query({ roomId: room.id });
    expect(messages.map((m) => m.body)).toEqual(["me again", "hello"]);

    const onRetry = vi.fn();
    const refused = await bob.client.sendMessage(room.id, "let me in", { onRetry }).catch((err: unknown) => err);
    expect(isNatterError(refused, "ROOM_NOT_FOUND")).toBe(true);
    const blank = await alice.client.sendMessage(room.id, "   ", { onRetry }).catch((err: unknown) => err);
    expect(isNatterError(blank, "VALIDATION_FAILED")).toBe(true);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it("ends a watch when the server ends the stream: kicked, or the room deleted", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { room } = await alice.client.trpc.rooms.create.mutate({ open: false, memberIds: [bob.user.id] });
    const forBob = record(bob.client, room.id, { afterSeq: 0 });
    const forAlice = record(alice.client, room.id, { afterSeq: 0 });
    await vi.waitFor(() => expect(forBob.states).toContain("open"), WAIT);
    await alice.client.trpc.rooms.removeMember.mutate({ roomId: room.id, userId: bob.user.id });
    expect(await forBob.watch.ended).toEqual({ reason: "ended" });
    expect(forBob.events.at(-1)).toMatchObject({ type: "member.kicked", userId: bob.user.id });
    expect(forBob.watch.state).toBe("closed");

    await alice.client.trpc.rooms.delete.mutate({ roomId: room.id });
    expect(await forAlice.watch.ended).toEqual({ reason: "ended" });
    expect(forAlice.events.at(-1)?.type).toBe("room.deleted");
    expectGapless(forAlice.events, 1);
  });

  it("ends a watch of a room the caller cannot see with ROOM_NOT_FOUND", async () => {
    const alice = await newUser();
    const stranger = await newUser();
    const { room } = await alice.client.trpc.rooms.create.mutate({ open: false });
    for (const options of [{}, { afterSeq: 0 }]) {
      const { watch, states } = record(stranger.client, room.id, options);
      const end = await watch.ended;
      expect(end.reason).toBe("error");
      expect(end.reason === "error" && isNatterError(end.error, "ROOM_NOT_FOUND")).toBe(true);
      expect(states.at(-1)).toBe("closed");
    }
  });

  it("re-authenticates the live connection when the token changes, resuming without a gap", async () => {
    const alice = await newUser();
    const { room } = await alice.client.trpc.rooms.create.mutate({ open: false });
    const watching = connect();
    await watching.logIn(alice.username, PASSWORD);
    const seen = record(watching, room.id, { afterSeq: 0 });
    await alice.client.sendMessage(room.id, "before");
    await vi.waitFor(() => expect(bodies(seen.events)).toEqual(["before"]), WAIT);

    await watching.logIn(alice.username, PASSWORD);
    await alice.client.sendMessage(room.id, "after");
    await vi.waitFor(() => expect(bodies(seen.events)).toEqual(["before", "after"]), WAIT);
    expect(seen.states).toContain("reconnecting");
    expectGapless(seen.events, 1);

    // Signed in as someone who may not see the closed room, the resumed stream is refused.
    const stranger = await newUser();
    await watching.logIn(stranger.username, PASSWORD);
    const end = await seen.watch.ended;
    expect(end.reason === "error" && isNatterError(end.error, "ROOM_NOT_FOUND")).toBe(true);
  });

  it("forgets a token whose session ended elsewhere, and keeps watching an open room anonymously", async () => {
    const alice = await newUser();
    const tokens: Array<string | null> = [];
    const phone = connect(tokens);
    await phone.logIn(alice.username, PASSWORD);
    const { room } = await alice.client.trpc.rooms.create.mutate({ open: true });
    const seen = record(phone, room.id, { afterSeq: 0 });
    await vi.waitFor(() => expect(seen.states).toEqual(["open"]), WAIT);

    // A password change ends every other session of the user, the phone's included.
    await alice.client.trpc.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: "a new passphrase" });
    await vi.waitFor(() => expect(phone.token).toBeNull(), WAIT);
    expect(tokens.at(-1)).toBeNull();
    await alice.client.sendMessage(room.id, "still here");
    await vi.waitFor(() => expect(bodies(seen.events)).toEqual(["still here"]), WAIT);
    expect(seen.states.at(-1)).toBe("open");
    expectGapless(seen.events, 1);
  });
});
