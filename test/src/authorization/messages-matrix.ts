import { rest } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";

/** Posts a message as `author` in the cell's room; answers its id as `messageId`. */
async function messageBy(cell: RoomCell, baseUrl: string, author: RoomCell["users"][keyof RoomCell["users"]]) {
  const res = await rest(baseUrl, "POST", `/rooms/${cell.roomId}/messages`, {
    token: author.token,
    body: { body: "for the matrix" },
  });
  if (res.status !== 201) throw new Error(`send failed: ${JSON.stringify(res.body)}`);
  return { messageId: res.body.message.id as string };
}

/** A message by the caller when the caller can post, else by another member. */
const ownMessage = (cell: RoomCell, baseUrl: string) =>
  messageBy(
    cell,
    baseUrl,
    cell.caller && cell.actor !== "nonMember" && cell.actor !== "serverAdmin" ? cell.caller : cell.users.member2,
  );

/** A message by member2, who is never the caller. */
const othersMessage = (cell: RoomCell, baseUrl: string) => messageBy(cell, baseUrl, cell.users.member2);

const message = (cell: RoomCell) => ({ roomId: cell.roomId, messageId: cell.extra.messageId });

/**
 * Messages and read cursors. Columns: anonymous, nonMember, member, admin, owner. Posting
 * is for members; edits for the author; deletions for the author or an admin; history is
 * public in open rooms. Watching (`rooms.events`) is asserted over WebSocket.
 */
export const matrix: Matrix = {
  resource: "messages",
  rooms: [
    {
      procedure: "messages.send",
      input: (cell) => ({ roomId: cell.roomId, body: "hello" }),
      open: [U, F, A, A, A],
      closed: [U, NF, A, A, A],
    },
    {
      procedure: "messages.edit",
      variant: "own message",
      prepare: ownMessage,
      input: (cell) => ({ ...message(cell), body: "edited" }),
      open: [U, F, A, A, A],
      closed: [U, NF, A, A, A],
    },
    {
      procedure: "messages.edit",
      variant: "another member's message",
      prepare: othersMessage,
      input: (cell) => ({ ...message(cell), body: "edited" }),
      open: [U, F, F, F, F],
      closed: [U, NF, F, F, F],
    },
    {
      procedure: "messages.delete",
      variant: "own message",
      prepare: ownMessage,
      input: message,
      open: [U, F, A, A, A],
      closed: [U, NF, A, A, A],
      // Their "own" message is member2's: they are in no room.
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "messages.delete",
      variant: "another member's message",
      prepare: othersMessage,
      input: message,
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "messages.list",
      input: (cell) => ({ roomId: cell.roomId, limit: 10 }),
      open: [A, A, A, A, A],
      closed: [NF, NF, A, A, A],
    },
    {
      procedure: "messages.markRead",
      input: (cell) => ({ roomId: cell.roomId, seq: 1 }),
      open: [U, F, A, A, A],
      closed: [U, NF, A, A, A],
    },
  ],
  accounts: [
    { procedure: "messages.unread", input: () => ({}), anonymous: U, user: A },
    { procedure: "messages.mentions", input: () => ({}), anonymous: U, user: A },
  ],
  elsewhere: [{ procedure: "rooms.events", coveredBy: "messages/room-events.test.ts" }],
};
