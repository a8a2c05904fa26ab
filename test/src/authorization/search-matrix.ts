import { rest } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell } from "./matrix.js";

const NF: Outcome = "ROOM_NOT_FOUND";

/** A message of the room's member, as `threadId`. */
async function threadRoot(cell: RoomCell, baseUrl: string) {
  const res = await rest(baseUrl, "POST", `/rooms/${cell.roomId}/messages`, {
    token: cell.users.member.token,
    body: { body: "matrix thread" },
  });
  if (res.status !== 201) throw new Error(`send failed: ${JSON.stringify(res.body)}`);
  return { threadId: res.body.message.id as string };
}

/**
 * Message search. Columns: anonymous, nonMember, member, admin, owner. Anyone may search;
 * a `roomId` narrows to one room, which the caller must be able to read (as its history); a
 * `threadId` is a filter like `authorId`: a thread the caller cannot read finds nothing (no
 * error, so it tells nothing either). Which messages each caller finds is asserted in
 * search/search.test.ts.
 */
export const matrix: Matrix = {
  resource: "search",
  rooms: [
    {
      procedure: "search.messages",
      variant: "in one room",
      input: (cell) => ({ q: "matrix", roomId: cell.roomId }),
      open: [A, A, A, A, A],
      closed: [NF, NF, A, A, A],
    },
    {
      procedure: "search.messages",
      variant: "in one thread",
      prepare: threadRoot,
      input: (cell) => ({ q: "matrix", threadId: cell.extra.threadId }),
      open: [A, A, A, A, A],
      closed: [A, A, A, A, A],
    },
  ],
  accounts: [{ procedure: "search.messages", input: () => ({ q: "matrix" }), anonymous: A, user: A }],
};
