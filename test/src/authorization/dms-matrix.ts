import { ALLOW as A, type Matrix } from "./matrix.js";

const U = "UNAUTHENTICATED";

/** Direct rooms and blocks: any signed-in user, about themselves; nobody anonymous. */
export const matrix: Matrix = {
  resource: "direct messages",
  accounts: [
    { procedure: "dms.open", input: ({ someone }) => ({ userId: someone.id }), anonymous: U, user: A },
    { procedure: "dms.list", input: () => ({}), anonymous: U, user: A },
    { procedure: "dms.block", input: ({ someone }) => ({ userId: someone.id }), anonymous: U, user: A },
    { procedure: "dms.unblock", input: ({ someone }) => ({ userId: someone.id }), anonymous: U, user: A },
    { procedure: "dms.blocks", input: () => ({}), anonymous: U, user: A },
  ],
};
