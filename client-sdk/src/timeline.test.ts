import { describe, expect, it } from "vitest";
import type { Message, RoomEvent } from "./app-router.js";
import { storedMessage as message } from "./message.fixture.js";
import { applyRoomEvent, mergeMessages } from "./timeline.js";

describe("a room's timeline", () => {
  it("keeps messages in seq order, once each, whichever page came first", () => {
    const timeline = mergeMessages(mergeMessages<Message>([], [message(5), message(4)]), [
      message(3),
      message(4),
      message(6),
    ]);
    expect(timeline.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
  });

  it("keeps a live edit or deletion over an older copy from a page fetched before it", () => {
    const edited = message(2, { body: "fixed", editedAt: "2026-03-01T10:05:00.000Z" });
    expect(mergeMessages([edited], [message(2)])[0]?.body).toBe("fixed");
    const deleted = message(2, { body: null, deletedAt: "2026-03-01T10:06:00.000Z" });
    expect(mergeMessages([deleted], [edited])[0]?.body).toBeNull();
  });

  it("applies edits and deletions in place", () => {
    const at = "2026-03-01T11:00:00.000Z";
    const base = { roomId: "r1", at, actorId: "u1" };
    let timeline = mergeMessages<Message>([], [message(1), message(2)]);
    const edit: RoomEvent = {
      ...base,
      seq: 3,
      type: "message.edited",
      message: message(1, { body: "new", editedAt: at }),
    };
    timeline = applyRoomEvent(timeline, edit);
    timeline = applyRoomEvent(timeline, { ...base, seq: 4, type: "message.deleted", messageId: "m2" });
    expect(timeline.map((m) => [m.seq, m.body, m.deletedAt])).toEqual([
      [1, "new", null],
      [2, null, at],
    ]);
  });

  it("keeps what the app added to an entry when a newer version arrives", () => {
    const sent = { ...message(1), clientMessageId: "c1" };
    const [edited] = mergeMessages([sent], [message(1, { body: "new", editedAt: "2026-03-01T10:05:00.000Z" })]);
    expect(edited).toMatchObject({ body: "new", clientMessageId: "c1" });
  });
});
