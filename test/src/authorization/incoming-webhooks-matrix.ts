import { rest } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell, type RoomRow } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";
const HOOK_NF: Outcome = "INCOMING_WEBHOOK_NOT_FOUND";

/** An incoming webhook of the cell's room, made by its owner; answers its id as `hookId`. */
async function roomHook(cell: RoomCell, baseUrl: string) {
  const res = await rest(baseUrl, "POST", `/rooms/${cell.roomId}/incoming-webhooks`, {
    token: cell.users.owner.token,
    body: { name: "Matrix hook" },
  });
  if (res.status !== 201) throw new Error(`incoming webhook creation failed: ${JSON.stringify(res.body)}`);
  return { hookId: res.body.incomingWebhook.id as string };
}

/** The room's owner and server admins. */
const OWNER: Pick<RoomRow, "open" | "closed" | "serverAdmin"> = {
  open: [U, F, F, F, A],
  closed: [U, NF, F, F, A],
  serverAdmin: { open: A, closed: A },
};

/**
 * Incoming webhooks: room owners and server admins manage a room's; posting needs no token,
 * only the URL (an unknown hook answers 404 to everyone alike).
 */
export const matrix: Matrix = {
  resource: "incoming webhooks",
  accounts: [
    {
      procedure: "incomingWebhooks.post",
      input: () => ({ hookId: "no-such-hook", secret: "no-such-secret", text: "hello" }),
      anonymous: HOOK_NF,
      user: HOOK_NF,
    },
  ],
  rooms: [
    {
      procedure: "incomingWebhooks.create",
      input: (cell) => ({ roomId: cell.roomId, name: "CI" }),
      ...OWNER,
      // Making one adds its bot to the room, which takes a room admin: a server admin outside it cannot.
      serverAdmin: { open: F, closed: NF },
    },
    { procedure: "incomingWebhooks.list", input: (cell) => ({ roomId: cell.roomId }), ...OWNER },
    {
      procedure: "incomingWebhooks.delete",
      prepare: roomHook,
      input: (cell) => ({ roomId: cell.roomId, hookId: cell.extra.hookId }),
      ...OWNER,
    },
  ],
};
