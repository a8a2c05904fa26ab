import { rest } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";

/** A message by member2 (never the caller), as `messageId`. */
async function othersMessage(cell: RoomCell, baseUrl: string) {
  const res = await rest(baseUrl, "POST", `/rooms/${cell.roomId}/messages`, {
    token: cell.users.member2.token,
    body: { body: "for the matrix" },
  });
  if (res.status !== 201) throw new Error(`send failed: ${JSON.stringify(res.body)}`);
  return { messageId: res.body.message.id as string };
}

const message = (cell: RoomCell) => ({ roomId: cell.roomId, messageId: cell.extra.messageId });
const reaction = (cell: RoomCell) => ({ ...message(cell), emoji: "👍" });

/** Readable as the room's history is: anyone in an open room, members in a closed one. */
const readable = { open: [A, A, A, A, A], closed: [NF, NF, A, A, A] } as const;
/** What members may do (as sending). */
const members = { open: [U, F, A, A, A], closed: [U, NF, A, A, A] } as const;
/** What the room's admins and owner may do. */
const admins = { open: [U, F, F, A, A], closed: [U, NF, F, A, A] } as const;

/**
 * Reactions, threads, pins and read receipts. Columns: anonymous, nonMember, member, admin,
 * owner. Receipt signals (`rooms.signals`, members only) are asserted over WebSocket.
 */
export const matrix: Matrix = {
  resource: "conversations",
  rooms: [
    { procedure: "messages.get", prepare: othersMessage, input: message, ...readable },
    { procedure: "messages.react", prepare: othersMessage, input: reaction, ...members },
    { procedure: "messages.unreact", prepare: othersMessage, input: reaction, ...members },
    { procedure: "messages.reactors", prepare: othersMessage, input: reaction, ...readable },
    { procedure: "messages.thread", prepare: othersMessage, input: message, ...readable },
    { procedure: "rooms.pin", prepare: othersMessage, input: message, ...admins },
    { procedure: "rooms.unpin", prepare: othersMessage, input: message, ...admins },
    { procedure: "rooms.pins", input: (cell) => ({ roomId: cell.roomId }), ...readable },
    { procedure: "rooms.receipts", input: (cell) => ({ roomId: cell.roomId }), ...members },
  ],
  accounts: [{ procedure: "messages.myThreads", input: () => ({}), anonymous: U, user: A }],
};
