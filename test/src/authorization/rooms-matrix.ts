import { ALLOW as A, type Matrix, type Outcome, type RoomCell } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";
const MNF: Outcome = "MEMBER_NOT_FOUND";

const room = (cell: RoomCell) => ({ roomId: cell.roomId });
const page = (cell: RoomCell) => ({ roomId: cell.roomId, limit: 10, offset: 0 });

/**
 * Rooms and membership. Columns: anonymous, nonMember, member, admin, owner. Closed rooms
 * answer strangers as missing rooms (ROOM_NOT_FOUND); writes ask for a sign-in first.
 */
export const matrix: Matrix = {
  resource: "rooms",
  rooms: [
    {
      procedure: "rooms.create",
      input: () => ({ name: "matrix" }),
      open: [U, A, A, A, A],
      closed: [U, A, A, A, A],
    },
    {
      procedure: "rooms.list",
      variant: "scope=all",
      input: () => ({ scope: "all", limit: 5 }),
      open: [A, A, A, A, A],
      closed: [A, A, A, A, A],
    },
    {
      procedure: "rooms.list",
      variant: "scope=joined",
      input: () => ({ scope: "joined", limit: 5 }),
      open: [U, A, A, A, A],
      closed: [U, A, A, A, A],
    },
    { procedure: "rooms.get", input: room, open: [A, A, A, A, A], closed: [NF, NF, A, A, A] },
    {
      procedure: "rooms.update",
      variant: "rename",
      input: (cell) => ({ roomId: cell.roomId, name: "renamed" }),
      open: [U, F, A, A, A],
      closed: [U, NF, A, A, A],
    },
    {
      procedure: "rooms.update",
      variant: "open or close",
      input: (cell) => ({ roomId: cell.roomId, open: cell.kind === "closed" }),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
    },
    {
      procedure: "rooms.delete",
      input: room,
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
      serverAdmin: { open: A, closed: A },
    },
    { procedure: "rooms.join", input: room, open: [U, A, A, A, A], closed: [U, NF, A, A, A] },
    { procedure: "rooms.leave", input: room, open: [U, MNF, A, A, A], closed: [U, NF, A, A, A] },
    { procedure: "rooms.members", input: page, open: [A, A, A, A, A], closed: [NF, NF, A, A, A] },
    {
      procedure: "rooms.member",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.member.id }),
      open: [A, A, A, A, A],
      closed: [NF, NF, A, A, A],
    },
    { procedure: "rooms.admins", input: page, open: [A, A, A, A, A], closed: [NF, NF, A, A, A] },
    { procedure: "rooms.owner", input: room, open: [A, A, A, A, A], closed: [NF, NF, A, A, A] },
    {
      procedure: "rooms.putMember",
      variant: "add a user",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.outsider.id }),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
    },
    {
      procedure: "rooms.putMember",
      variant: "add a user as admin",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.outsider.id, role: "admin" }),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
    },
    {
      procedure: "rooms.putMember",
      variant: "make a member admin",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.member2.id, role: "admin" }),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
    },
    {
      procedure: "rooms.putMember",
      variant: "demote an admin",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.admin2.id, role: "member" }),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
    },
    {
      procedure: "rooms.putMember",
      variant: "hand ownership over",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.member2.id, role: "owner" }),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
    },
    {
      procedure: "rooms.removeMember",
      variant: "kick a member",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.member2.id }),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
    },
    {
      procedure: "rooms.removeMember",
      variant: "kick an admin",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.admin2.id }),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
    },
    {
      // The owner's own id: that is leaving, which the owner may.
      procedure: "rooms.removeMember",
      variant: "kick the owner",
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.owner.id }),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
    },
    {
      procedure: "rooms.removeMember",
      variant: "one's own id (leave)",
      input: (cell) => ({ roomId: cell.roomId, userId: (cell.caller ?? cell.users.nonMember).id }),
      open: [U, MNF, A, A, A],
      closed: [U, NF, A, A, A],
    },
  ],
};
