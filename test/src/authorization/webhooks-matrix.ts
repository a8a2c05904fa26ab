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

/**
 * What each row registered, by row: deleted when the next row starts (rows run one after the
 * other), since every cell registers one and together they would pass a server's 200 webhooks.
 */
const registered = new Map<string, string[]>();

/**
 * A `prepare` registering a webhook of the cell's room as the server admin (after deleting
 * the earlier rows' ones), with a delivery of it; answers `webhookId` and `deliveryId`.
 */
function roomWebhook(row: string) {
  return async (cell: RoomCell, baseUrl: string) => {
    const admin = { token: cell.users.serverAdmin.token };
    const earlier = [...registered].filter(([name]) => name !== row);
    for (const [name] of earlier) registered.delete(name);
    await Promise.all(
      earlier.flatMap(([, ids]) => ids.map((id) => rest(baseUrl, "DELETE", `/admin/webhooks/${id}`, admin))),
    );
    const res = await rest(baseUrl, "POST", "/admin/webhooks", {
      ...admin,
      body: { url: URL, events: EVENTS, roomId: cell.roomId },
    });
    if (res.status !== 201) throw new Error(`webhook registration failed: ${JSON.stringify(res.body)}`);
    const webhookId = res.body.webhook.id as string;
    registered.set(row, [...(registered.get(row) ?? []), webhookId]);
    const test = await rest(baseUrl, "POST", `/admin/webhooks/${webhookId}/test`, admin);
    return { webhookId, deliveryId: test.body.delivery.id as string };
  };
}

/** A row about one webhook of the cell's room. */
function hookRow(
  procedure: string,
  access: Pick<RoomRow, "open" | "closed" | "serverAdmin">,
  input: (cell: RoomCell) => Record<string, unknown>,
): RoomRow {
  return { procedure, prepare: roomWebhook(procedure), input, ...access };
}

const hook = (cell: RoomCell) => ({ webhookId: cell.extra.webhookId });
const roomHook = (cell: RoomCell) => ({ roomId: cell.roomId, webhookId: cell.extra.webhookId });
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
 * manage every endpoint through `/admin/webhooks`; room owners (and server admins) manage
 * their own room's through `/rooms/{roomId}/webhooks`.
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
    hookRow("webhooks.get", ADMIN_ONLY, hook),
    hookRow("webhooks.update", ADMIN_ONLY, (cell) => ({ ...hook(cell), events: ["message.edited"] })),
    hookRow("webhooks.delete", ADMIN_ONLY, hook),
    hookRow("webhooks.rotateSecret", ADMIN_ONLY, hook),
    hookRow("webhooks.test", ADMIN_ONLY, hook),
    hookRow("webhooks.deliveries", ADMIN_ONLY, (cell) => ({ ...hook(cell), limit: 5 })),
    hookRow("webhooks.redeliver", ADMIN_ONLY, (cell) => ({ ...hook(cell), deliveryId: cell.extra.deliveryId })),
    {
      procedure: "webhooks.createForRoom",
      input: (cell) => ({ roomId: cell.roomId, url: URL, events: EVENTS }),
      ...OWNER,
    },
    { procedure: "webhooks.listForRoom", input: (cell) => ({ roomId: cell.roomId }), ...OWNER },
    hookRow("webhooks.getForRoom", OWNER, roomHook),
    hookRow("webhooks.updateForRoom", OWNER, (cell) => ({ ...roomHook(cell), events: ["message.edited"] })),
    hookRow("webhooks.rotateSecretForRoom", OWNER, roomHook),
    hookRow("webhooks.testForRoom", OWNER, roomHook),
    hookRow("webhooks.deliveriesForRoom", OWNER, (cell) => ({ ...roomHook(cell), limit: 5 })),
    hookRow("webhooks.redeliverForRoom", OWNER, (cell) => ({
      ...roomHook(cell),
      deliveryId: cell.extra.deliveryId,
    })),
    hookRow("webhooks.deleteForRoom", OWNER, roomHook),
  ],
};
