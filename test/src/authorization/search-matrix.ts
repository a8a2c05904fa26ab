import { ALLOW as A, type Matrix, type Outcome } from "./matrix.js";

const NF: Outcome = "ROOM_NOT_FOUND";

/**
 * Message search. Columns: anonymous, nonMember, member, admin, owner. Anyone may search;
 * a `roomId` narrows to one room, which the caller must be able to read (as its history). Which
 * messages each caller finds is asserted in search/search.test.ts.
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
  ],
  accounts: [{ procedure: "search.messages", input: () => ({ q: "matrix" }), anonymous: A, user: A }],
};
