import { rest } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell, type RoomRow } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";
const NF: Outcome = "ROOM_NOT_FOUND";

/**
 * A loopback port nothing listens on: tests never send traffic off this machine, so the matrix's
 * server allows private networks (`webhookAllowPrivateNetworks`) and its deliveries are refused here.
 */
const URL = "http://127.0.0.1:9/natter-matrix";
const EVENTS = ["message.created"];

/** A webhook of the cell's room, registered by the server admin; answers its id as `webhookId`. */
async function roomWebhook(cell: RoomCell, baseUrl: string) {
  const res = await rest(baseUrl, "POST", "/admin/webhooks", {
    token: cell.users.serverAdmin.token,
    body: { url: URL, events: EVENTS, roomId: cell.roomId },
  });
  if (res.status !== 201) throw new Error(`webhook registration failed: ${JSON.stringify(res.body)}`);
  const webhookId = res.body.webhook.id as string;
  const test = await rest(baseUrl, "POST", `/admin/webhooks/${webhookId}/test`, {
    token: cell.users.serverAdmin.token,
  });
  return { webhookId, deliveryId: test.body.delivery.id as string };
}

const hook = (cell: RoomCell) => ({ webhookId: cell.extra.webhookId });
/** Server-admin-only procedures on a room's webhook: everyone in the room gets 403, anonymous 401. */
const ADMIN_ONLY: Pick<RoomRow, "open" | "closed" | "serverAdmin"> = {
  open: [U, F, F, F, F],
  closed: [U, F, F, F, F],
  serverAdmin: { open: A, closed: A },
};
/** A room owner's (or a server admin's) own room's webhooks. */
const OWNER: Pick<RoomRow, "open" | "closed" | "serverAdmin"> = {
  open: [U, F, F, F, A],
  closed: [U, NF, F, F, A],
  serverAdmin: { open: A, closed: A },
};

/**
 * Outgoing webhooks. Columns: anonymous, nonMember, member, admin, owner. Server admins
 * manage every endpoint; room owners register, list and delete their own room's.
 */
export const matrix: Matrix = {
  resource: "webhooks",
  accounts: [
    {
      procedure: "webhooks.create",
      input: () => ({ url: URL, events: EVENTS }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
    { procedure: "webhooks.list", input: () => ({}), anonymous: U, user: F, serverAdmin: A },
  ],
  rooms: [
    { procedure: "webhooks.get", prepare: roomWebhook, input: hook, ...ADMIN_ONLY },
    {
      procedure: "webhooks.update",
      prepare: roomWebhook,
      input: (cell) => ({ ...hook(cell), events: ["message.edited"] }),
      ...ADMIN_ONLY,
    },
    { procedure: "webhooks.delete", prepare: roomWebhook, input: hook, ...ADMIN_ONLY },
    { procedure: "webhooks.rotateSecret", prepare: roomWebhook, input: hook, ...ADMIN_ONLY },
    { procedure: "webhooks.test", prepare: roomWebhook, input: hook, ...ADMIN_ONLY },
    {
      procedure: "webhooks.deliveries",
      prepare: roomWebhook,
      input: (cell) => ({ ...hook(cell), limit: 5 }),
      ...ADMIN_ONLY,
    },
    {
      procedure: "webhooks.redeliver",
      prepare: roomWebhook,
      input: (cell) => ({ ...hook(cell), deliveryId: cell.extra.deliveryId }),
      ...ADMIN_ONLY,
    },
    {
      procedure: "webhooks.createForRoom",
      input: (cell) => ({ roomId: cell.roomId, url: URL, events: EVENTS }),
      ...OWNER,
    },
    { procedure: "webhooks.listForRoom", input: (cell) => ({ roomId: cell.roomId }), ...OWNER },
    {
      procedure: "webhooks.deleteForRoom",
      prepare: roomWebhook,
      input: (cell) => ({ roomId: cell.roomId, webhookId: cell.extra.webhookId }),
      ...OWNER,
    },
  ],
};
