import { rest, uniqueUsername } from "../harness/index.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell, type RoomRow } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const F: Outcome = "FORBIDDEN";

/** A bot with one key, made by the server admin; answers their ids as `userId` and `keyId`. */
async function botWithKey(cell: RoomCell, baseUrl: string) {
  const token = cell.users.serverAdmin.token;
  const made = await rest(baseUrl, "POST", "/admin/bots", {
    token,
    body: { username: uniqueUsername("mbot"), displayName: "Matrix bot" },
  });
  if (made.status !== 201) throw new Error(`bot creation failed: ${JSON.stringify(made.body)}`);
  const userId = made.body.bot.id as string;
  const keyed = await rest(baseUrl, "POST", `/admin/bots/${userId}/keys`, {
    token,
    body: { name: "matrix", scopes: ["users:read"] },
  });
  if (keyed.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(keyed.body)}`);
  return { userId, keyId: keyed.body.apiKey.id as string };
}

/** Server-admin-only: everyone in the room gets 403, anonymous 401 (the room plays no part). */
const ADMIN_ONLY: Pick<RoomRow, "open" | "closed" | "serverAdmin"> = {
  open: [U, F, F, F, F],
  closed: [U, F, F, F, F],
  serverAdmin: { open: A, closed: A },
};

/**
 * Bot accounts and API keys: server admins only. (What a key may call is the scope matrix,
 * `api-key-scopes.test.ts`: every procedure, with and without its scope.)
 */
export const matrix: Matrix = {
  resource: "bots",
  accounts: [
    {
      procedure: "bots.create",
      input: () => ({ username: uniqueUsername("mbot"), displayName: "Matrix bot" }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
    { procedure: "bots.list", input: () => ({}), anonymous: U, user: F, serverAdmin: A },
  ],
  rooms: [
    {
      procedure: "bots.createKey",
      prepare: botWithKey,
      input: (cell) => ({ userId: cell.extra.userId, name: "more", scopes: ["messages:read"] }),
      ...ADMIN_ONLY,
    },
    { procedure: "bots.delete", prepare: botWithKey, input: (cell) => ({ userId: cell.extra.userId }), ...ADMIN_ONLY },
    { procedure: "bots.keys", prepare: botWithKey, input: (cell) => ({ userId: cell.extra.userId }), ...ADMIN_ONLY },
    {
      procedure: "bots.revokeKey",
      prepare: botWithKey,
      input: (cell) => ({ userId: cell.extra.userId, keyId: cell.extra.keyId }),
      ...ADMIN_ONLY,
    },
  ],
};
