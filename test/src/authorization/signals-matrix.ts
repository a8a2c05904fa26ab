import { ALLOW as A, type Matrix, type Outcome } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";

/**
 * Typing and presence. Columns: anonymous, nonMember, member, admin, owner. Typing is for
 * members; watching signals and asking who watches are reading the room, the first asserted
 * over WebSocket.
 */
export const matrix: Matrix = {
  resource: "signals",
  rooms: [
    {
      procedure: "rooms.typing",
      input: (cell) => ({ roomId: cell.roomId }),
      open: [U, F, A, A, A],
      closed: [U, NF, A, A, A],
    },
    {
      procedure: "rooms.presence",
      input: (cell) => ({ roomId: cell.roomId }),
      open: [A, A, A, A, A],
      closed: [NF, NF, A, A, A],
    },
  ],
  elsewhere: [{ procedure: "rooms.signals", coveredBy: "room-signals.test.ts" }],
};
