import { createRoom, rest, signUpMany } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";

/** A message by member2, who is never the caller; answers its id as `messageId`. */
async function othersMessage(cell: RoomCell, baseUrl: string) {
  const res = await rest(baseUrl, "POST", `/rooms/${cell.roomId}/messages`, {
    token: cell.users.member2.token,
    body: { body: "reported in the matrix" },
  });
  if (res.status !== 201) throw new Error(`send failed: ${JSON.stringify(res.body)}`);
  return { messageId: res.body.message.id as string };
}

/** member2's message, reported by member; answers `messageId` and `reportId`. */
async function reportedMessage(cell: RoomCell, baseUrl: string) {
  const { messageId } = await othersMessage(cell, baseUrl);
  const res = await rest(baseUrl, "POST", `/rooms/${cell.roomId}/messages/${messageId}/reports`, {
    token: cell.users.member.token,
    body: { reason: "spam" },
  });
  if (res.status !== 201) throw new Error(`report failed: ${JSON.stringify(res.body)}`);
  return { messageId, reportId: res.body.report.id as string };
}

/** A report of a room and users of this cell alone (a ban must not end the cast's sessions). */
async function reportOfItsOwn(baseUrl: string) {
  const [owner, author, reader] = await signUpMany(baseUrl, 3);
  const room = await createRoom(baseUrl, owner.token, { memberIds: [author.id] });
  const sent = await rest(baseUrl, "POST", `/rooms/${room.id}/messages`, { token: author.token, body: { body: "x" } });
  const made = await rest(baseUrl, "POST", `/rooms/${room.id}/messages/${sent.body.message.id}/reports`, {
    token: reader.token,
    body: { reason: "abuse" },
  });
  if (made.status !== 201) throw new Error(`report failed: ${JSON.stringify(made.body)}`);
  return { reportId: made.body.report.id as string };
}

const resolve = (action: string) => (cell: RoomCell) => ({
  roomId: cell.roomId,
  reportId: cell.extra.reportId,
  action,
});

/**
 * Reports. Columns: anonymous, nonMember, member, admin, owner. Any reader reports; the room's
 * admins and owner list and resolve its reports, and so do server admins (in any room); only
 * server admins list every room's reports, resolve through the admin path, or ban an author.
 */
export const matrix: Matrix = {
  resource: "reports",
  rooms: [
    {
      procedure: "reports.create",
      prepare: othersMessage,
      input: (cell) => ({ roomId: cell.roomId, messageId: cell.extra.messageId, reason: "spam" }),
      open: [U, A, A, A, A],
      closed: [U, NF, A, A, A],
    },
    {
      procedure: "reports.forRoom",
      input: (cell) => ({ roomId: cell.roomId }),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "reports.resolveInRoom",
      variant: "dismiss",
      prepare: reportedMessage,
      input: resolve("dismiss"),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "reports.resolveInRoom",
      variant: "delete-message",
      prepare: reportedMessage,
      input: resolve("delete-message"),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
    {
      procedure: "reports.resolveInRoom",
      variant: "mute-author",
      prepare: reportedMessage,
      input: resolve("mute-author"),
      open: [U, F, F, A, A],
      closed: [U, NF, F, A, A],
      serverAdmin: { open: A, closed: A },
    },
  ],
  accounts: [
    { procedure: "reports.list", input: () => ({}), anonymous: U, user: F, serverAdmin: A },
    {
      procedure: "reports.resolve",
      variant: "ban-author",
      prepare: reportOfItsOwn,
      input: ({ extra }) => ({ reportId: extra.reportId, action: "ban-author" }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
  ],
};
