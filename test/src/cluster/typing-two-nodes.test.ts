import { LIMITS, type RoomSignal } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { redisUnavailable, rest, signUpMany, type TestUser } from "../harness/index.js";
import { newRoom, send, waitFor } from "../messages/room-fixtures.js";
import { twoNodes } from "./two-nodes.js";

const redisMissing = await redisUnavailable();

/**
 * A typing indicator set through one node ends with its typist's message sent through the
 * other, on both nodes and for watchers arriving after; another member's message ends nothing.
 * The node taking the send does not know whether its author types (that was said to the other
 * node): the end goes through Redis's state of the room, and only an author who was typing
 * there sets anything off.
 */
describe.skipIf(redisMissing !== undefined)("typing across two nodes", () => {
  const nodes = twoNodes("typing");

  /** Watches the room's signals on `url` as `user`, resolved at the snapshot; `signals` holds all. */
  async function watch(url: string, user: TestUser, roomId: string) {
    const signals: RoomSignal[] = [];
    nodes.connect(url, user.token).rooms.signals.subscribe({ roomId }, { onData: (signal) => signals.push(signal) });
    await waitFor(`${user.username}'s snapshot`, () => signals.length > 0);
    const snapshot = signals[0];
    if (snapshot?.type !== "snapshot") throw new Error(`the stream began with ${snapshot?.type}`);
    return { signals, snapshot };
  }

  it("ends on both nodes with the typist's message sent through the other node, and not with anyone else's", async () => {
    const { a, b } = nodes;
    const [alice, bob] = await signUpMany(a.url, 2);
    const roomId = await newRoom(a.url, alice, { open: true, members: [bob] });
    const watchers = [await watch(a.url, alice, roomId), await watch(b.url, alice, roomId)];

    expect((await rest(b.url, "POST", `/rooms/${roomId}/typing`, { token: bob.token })).status).toBe(200);
    for (const [i, { signals }] of watchers.entries()) {
      await waitFor(`bob typing on node ${i}`, () => signals.some((s) => s.type === "typing" && s.userId === bob.id));
    }

    await send(a.url, alice, roomId, "alice was not typing");
    for (const url of [a.url, b.url]) {
      const { snapshot } = await watch(url, alice, roomId);
      expect(snapshot.typing.map((typist) => typist.userId)).toEqual([bob.id]);
    }

    // Typing again just before the message: its end must come long before this would lapse.
    const again = await rest(b.url, "POST", `/rooms/${roomId}/typing`, { token: bob.token });
    for (const [i, { signals }] of watchers.entries()) {
      const refreshed = (s: RoomSignal) => s.type === "typing" && s.expiresAt === again.body.expiresAt;
      await waitFor(`bob's refresh on node ${i}`, () => signals.some(refreshed));
    }
    await send(a.url, bob, roomId, "done typing");
    await Promise.all(
      watchers.map(({ signals }, i) =>
        waitFor(
          `bob stopping on node ${i} before lapsing`,
          () => signals.some((s) => s.type === "typing.stopped"),
          LIMITS.typingTtlMs / 2,
        ),
      ),
    );
    for (const { signals } of watchers) {
      expect(signals.filter((s) => s.type === "typing.stopped")).toEqual([
        { type: "typing.stopped", roomId, userId: bob.id },
      ]);
    }
    for (const url of [a.url, b.url]) expect((await watch(url, alice, roomId)).snapshot.typing).toEqual([]);
  });
});
