import type { Message } from "./app-router.js";

/**
 * A stored message of room `r1` for the SDK's unit tests: plain text, no reactions, thread,
 * pin or mentions, with `changes` laid over it. Kept out of the build (`*.fixture.ts`).
 */
export function storedMessage(seq: number, changes: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    authorId: "u1",
    body: `message ${seq}`,
    replyToId: null,
    createdAt: "2026-03-01T10:00:00.000Z",
    editedAt: null,
    deletedAt: null,
    attachments: [],
    reactions: [],
    threadId: null,
    alsoInRoom: false,
    thread: null,
    pinnedAt: null,
    pinnedBy: null,
    mentions: [],
    mentionsRoom: false,
    ...changes,
  };
}
