import { LIMITS, type RoomSignal } from "@natter/shared";
import { TRPCClientError } from "@trpc/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  joinRoom,
  openRawSocket,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  wsClient,
} from "./harness/index.js";
import { waitFor } from "./messages/room-fixtures.js";

type Client = ReturnType<typeof wsClient>;

/** A live `rooms.signals` subscription that records what it receives. */
interface SignalWatch {
  signals: RoomSignal[];
  ended: boolean;
  error: unknown;
  /** Waits until a received signal matches, or the stream ends. */
  until(what: string, matches: (signal: RoomSignal) => boolean): Promise<RoomSignal>;
  stop(): void;
}

describe("room signals", () => {
  let server: TestServer;
  const clients: Client[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => server.stop());

  const connect = (token?: string) => {
    const client = wsClient(server.url, token ? { token } : {});
    clients.push(client);
    return client;
  };

  const watchSignals = (client: Client, roomId: string): SignalWatch => {
    const watch: SignalWatch = {
      signals: [],
      ended: false,
      error: undefined,
      until: async (what, matches) => {
        await waitFor(what, () => watch.signals.some(matches) || watch.ended || watch.error !== undefined);
        const found = watch.signals.find(matches);
        if (!found) throw new Error(`${what}: the stream ended first (${String(watch.error ?? "completed")})`);
        return found;
      },
      stop: () => subscription.unsubscribe(),
    };
    const subscription = client.client.rooms.signals.subscribe(
      { roomId },
      {
        onData: (signal) => watch.signals.push(signal),
        onError: (error) => {
          watch.error = error;
        },
        onComplete: () => {
          watch.ended = true;
        },
      },
    );
    return watch;
  };

  /** Subscribes and waits for the snapshot, after which the watcher is present. */
  const present = async (client: Client, roomId: string) => {
    const watch = watchSignals(client, roomId);
    const snapshot = await watch.until("the snapshot", (s) => s.type === "snapshot");
    return { watch, snapshot: snapshot as Extract<RoomSignal, { type: "snapshot" }> };
  };

  const errorCode = async (watch: SignalWatch) => {
    await waitFor("the stream to fail", () => watch.error !== undefined || watch.ended);
    expect(watch.error).toBeInstanceOf(TRPCClientError);
    return (watch.error as TRPCClientError<any>).data?.error?.code;
  };

  describe("authorization: rooms.signals", () => {
    it("lets anyone watch an open room, anonymous watchers included", async () => {
      const [owner, stranger] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, owner.token, { open: true });
      for (const client of [connect(owner.token), connect(stranger.token), connect()]) {
        const { snapshot } = await present(client, room.id);
        expect(snapshot.roomId).toBe(room.id);
      }
    });

    it("answers strangers to a closed room, and a missing room, with ROOM_NOT_FOUND", async () => {
      const [owner, member, stranger] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, owner.token, { open: false, memberIds: [member.id] });
      expect(await errorCode(watchSignals(connect(stranger.token), room.id))).toBe("ROOM_NOT_FOUND");
      expect(await errorCode(watchSignals(connect(), room.id))).toBe("ROOM_NOT_FOUND");
      expect(await errorCode(watchSignals(connect(owner.token), "no-such-room"))).toBe("ROOM_NOT_FOUND");
      const { snapshot } = await present(connect(member.token), room.id);
      expect(snapshot.users.map((u) => u.userId)).toEqual([member.id]);
    });
  });

  describe("presence", () => {
    it("starts with a snapshot that counts the watcher, then tells who joins and leaves", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { open: true });
      const { watch: aliceWatch, snapshot } = await present(connect(alice.token), room.id);
      expect(snapshot).toEqual({
        type: "snapshot",
        roomId: room.id,
        users: [{ userId: alice.id, username: alice.username }],
        userCount: 1,
        anonymousCount: 0,
        typing: [],
      });

      const bobClient = connect(bob.token);
      const { watch: bobWatch, snapshot: bobSnapshot } = await present(bobClient, room.id);
      expect(bobSnapshot.users.map((u) => u.userId).sort()).toEqual([alice.id, bob.id].sort());
      expect(await aliceWatch.until("bob joining", (s) => s.type === "presence.joined")).toEqual({
        type: "presence.joined",
        roomId: room.id,
        user: { userId: bob.id, username: bob.username },
      });

      bobWatch.stop();
      expect(await aliceWatch.until("bob leaving", (s) => s.type === "presence.left")).toEqual({
        type: "presence.left",
        roomId: room.id,
        userId: bob.id,
      });
      expect(bobWatch.signals.filter((s) => s.type.startsWith("presence."))).toEqual([]);
    });

    it("counts one user with two tabs as one presence, gone when the last tab closes", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { open: true });
      const { watch: aliceWatch } = await present(connect(alice.token), room.id);

      // Tab 1 speaks the wire protocol, to know when the server has ended its watch.
      const tab1 = await openRawSocket(server.url, { token: bob.token });
      tab1.call(1, "subscription", "rooms.signals", { roomId: room.id });
      await tab1.next((message) => message.includes('"snapshot"'));
      const tab2Client = connect(bob.token);
      const tab2 = await present(tab2Client, room.id);
      expect(tab2.snapshot.userCount).toBe(2);

      tab1.ws.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
      await tab1.next((message) => message.includes('"stopped"'));
      // Had tab 1's end made bob leave, alice would hear it before this later signal.
      await rest(server.url, "POST", `/rooms/${room.id}/typing`, { token: alice.token });
      await aliceWatch.until("alice typing", (s) => s.type === "typing");
      expect(aliceWatch.signals.some((s) => s.type === "presence.left")).toBe(false);

      tab1.ws.close();
      tab2Client.close();
      await aliceWatch.until("bob leaving", (s) => s.type === "presence.left");
      expect(aliceWatch.signals.filter((s) => s.type.startsWith("presence.")).map((s) => s.type)).toEqual([
        "presence.joined",
        "presence.left",
      ]);
    });

    it("counts anonymous watchers without naming them", async () => {
      const alice = await signUp(server.url);
      const room = await createRoom(server.url, alice.token, { open: true });
      const { watch: aliceWatch } = await present(connect(alice.token), room.id);
      const anonymous = await present(connect(), room.id);
      expect(anonymous.snapshot).toMatchObject({ userCount: 1, anonymousCount: 1 });
      expect(anonymous.snapshot.users.map((u) => u.userId)).toEqual([alice.id]);
      expect(await aliceWatch.until("the anonymous count", (s) => s.type === "presence.anonymous")).toEqual({
        type: "presence.anonymous",
        roomId: room.id,
        anonymousCount: 1,
      });
      anonymous.watch.stop();
      await aliceWatch.until("the count dropping", (s) => s.type === "presence.anonymous" && s.anonymousCount === 0);
      expect(aliceWatch.signals.some((s) => s.type === "presence.joined")).toBe(false);
    });
  });

  describe("typing", () => {
    it("shows a member typing to watchers and in later snapshots, refreshes, then stops by itself", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { open: true });
      await joinRoom(server.url, bob.token, room.id);
      const { watch } = await present(connect(alice.token), room.id);

      const first = await connect(bob.token).client.rooms.typing.mutate({ roomId: room.id });
      const ttl = Date.parse(first.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(LIMITS.typingTtlMs);
      expect(await watch.until("bob typing", (s) => s.type === "typing")).toEqual({
        type: "typing",
        roomId: room.id,
        userId: bob.id,
        username: bob.username,
        expiresAt: first.expiresAt,
      });

      const again = await rest(server.url, "POST", `/rooms/${room.id}/typing`, { token: bob.token });
      expect(again.status).toBe(200);
      expect(Date.parse(again.body.expiresAt)).toBeGreaterThanOrEqual(Date.parse(first.expiresAt));
      await watch.until("the refresh", (s) => s.type === "typing" && s.expiresAt === again.body.expiresAt);

      const late = await present(connect(), room.id);
      expect(late.snapshot.typing).toEqual([
        { userId: bob.id, username: bob.username, expiresAt: again.body.expiresAt },
      ]);

      expect(await watch.until("bob stopping", (s) => s.type === "typing.stopped")).toEqual({
        type: "typing.stopped",
        roomId: room.id,
        userId: bob.id,
      });
      expect(watch.signals.filter((s) => s.type === "typing.stopped")).toHaveLength(1);
    });

    it("ends with the typist's message: watchers see it stop at once, and a watcher arriving after sees nobody typing", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { open: true });
      await joinRoom(server.url, bob.token, room.id);
      const { watch } = await present(connect(alice.token), room.id);
      await rest(server.url, "POST", `/rooms/${room.id}/typing`, { token: bob.token });
      await watch.until("bob typing", (s) => s.type === "typing");

      const sentAt = Date.now();
      const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
        token: bob.token,
        body: { body: "done typing" },
      });
      expect(sent.status).toBe(201);
      expect(await watch.until("bob stopping", (s) => s.type === "typing.stopped")).toEqual({
        type: "typing.stopped",
        roomId: room.id,
        userId: bob.id,
      });
      // Long before the indicator would have lapsed by itself.
      expect(Date.now() - sentAt).toBeLessThan(LIMITS.typingTtlMs / 2);
      // Someone opening the room now (a reload) is not told that bob is typing.
      expect((await present(connect(), room.id)).snapshot.typing).toEqual([]);
    });

    it("is for members: strangers to an open room are FORBIDDEN, anonymous callers UNAUTHENTICATED", async () => {
      const [alice, stranger] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { open: true });
      const refused = await rest(server.url, "POST", `/rooms/${room.id}/typing`, { token: stranger.token });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "member" });
      expect((await rest(server.url, "POST", `/rooms/${room.id}/typing`)).status).toBe(401);
    });
  });

  describe("losing access", () => {
    it("ends a kicked member's stream, and the others see them leave", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { open: false, memberIds: [bob.id] });
      const { watch: aliceWatch } = await present(connect(alice.token), room.id);
      const { watch: bobWatch } = await present(connect(bob.token), room.id);
      const kicked = await rest(server.url, "DELETE", `/rooms/${room.id}/members/${bob.id}`, { token: alice.token });
      expect(kicked.status).toBe(200);
      await waitFor("bob's stream to end", () => bobWatch.ended);
      expect(bobWatch.error).toBeUndefined();
      await aliceWatch.until("bob leaving", (s) => s.type === "presence.left" && s.userId === bob.id);
    });

    it("ends an anonymous watcher's stream when the room closes, and everyone's when it is deleted", async () => {
      const alice = await signUp(server.url);
      const room = await createRoom(server.url, alice.token, { open: true });
      const { watch: aliceWatch } = await present(connect(alice.token), room.id);
      const { watch: anonymousWatch } = await present(connect(), room.id);

      expect(
        (await rest(server.url, "PATCH", `/rooms/${room.id}`, { token: alice.token, body: { open: false } })).status,
      ).toBe(200);
      await waitFor("the anonymous stream to end", () => anonymousWatch.ended);
      await aliceWatch.until(
        "the anonymous count dropping",
        (s) => s.type === "presence.anonymous" && s.anonymousCount === 0,
      );
      expect(aliceWatch.ended).toBe(false);

      expect((await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: alice.token })).status).toBe(200);
      await waitFor("the owner's stream to end", () => aliceWatch.ended);
    });
  });
});
