import { rest } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";
const MNF: Outcome = "MEMBER_NOT_FOUND";

/** Mutes `userId` in the cell's room as its owner, who may mute anyone else. */
async function muteAsOwner(cell: RoomCell, baseUrl: string, userId: string) {
  const res = await rest(baseUrl, "PUT", `/rooms/${cell.roomId}/mutes/${userId}`, {
    token: cell.users.owner.token,
    body: {},
  });
  if (res.status !== 200) throw new Error(`mute failed: ${JSON.stringify(res.body)}`);
  return {};
}

const muteOf = (userId: (cell: RoomCell) => string) => (cell: RoomCell) => ({
  roomId: cell.roomId,
  userId: userId(cell),
  reason: "matrix",
});

/**
 * Slow mode and mutes. Columns: anonymous, nonMember, member, admin, owner. Admins mute
 * members, the owner admins too, nobody an equal or higher role; only they list mutes. A muted
 * member still reads, but their send is refused as MUTED. Server admins mute anyone in any room
 * (resolving a report may mute an author) and list mutes.
 */
export const matrix: Matrix = {
  resource: "moderation",
  rooms: [
    {
      procedure: "rooms.update",
      variant: "slow mode",
      input: (cell) => ({ roomId: cell.roomId, slowModeSeconds: 10 }),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
    },
    {
      procedure: "rooms.mute",
      variant: "a member",
      input: muteOf((cell) => cell.users.member2.id),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "rooms.mute",
      variant: "an admin",
      input: muteOf((cell) => cell.users.admin2.id),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "rooms.mute",
      variant: "the owner",
      input: muteOf((cell) => cell.users.owner.id),
      open: [U, F, F, F, F],
      closed: [U, NF, F, F, F],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "rooms.mute",
      variant: "a user not in the room",
      input: muteOf((cell) => cell.users.outsider.id),
      open: [U, F, F, MNF, MNF],
      closed: [U, NF, F, MNF, MNF],
      serverAdmin: { open: MNF, closed: MNF },
    },
    {
      procedure: "rooms.unmute",
      variant: "a muted member",
      prepare: (cell, baseUrl) => muteAsOwner(cell, baseUrl, cell.users.member2.id),
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.member2.id }),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "rooms.unmute",
      variant: "a muted admin",
      prepare: (cell, baseUrl) => muteAsOwner(cell, baseUrl, cell.users.admin2.id),
      input: (cell) => ({ roomId: cell.roomId, userId: cell.users.admin2.id }),
      open: [U, F, F, F, A],
      closed: [U, NF, F, F, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "rooms.mutes",
      input: (cell) => ({ roomId: cell.roomId, limit: 10 }),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      // The owner mutes the caller when the caller is a plain member: they may read, not send.
      procedure: "messages.send",
      variant: "the caller muted if a member",
      prepare: (cell, baseUrl) =>
        cell.actor === "member" && cell.caller ? muteAsOwner(cell, baseUrl, cell.caller.id) : Promise.resolve({}),
      input: (cell) => ({ roomId: cell.roomId, body: "hello" }),
      open: [U, F, "MUTED", A, A],
      closed: [U, NF, "MUTED", A, A],
    },
    {
      procedure: "messages.list",
      variant: "the caller muted if a member",
      prepare: (cell, baseUrl) =>
        cell.actor === "member" && cell.caller ? muteAsOwner(cell, baseUrl, cell.caller.id) : Promise.resolve({}),
      input: (cell) => ({ roomId: cell.roomId, limit: 10 }),
      open: [A, A, A, A, A],
      closed: [NF, NF, A, A, A],
    },
  ],
};
