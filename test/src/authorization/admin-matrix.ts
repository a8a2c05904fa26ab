import { signUp, uniqueUsername } from "../harness/index.js";
import { ALLOW as A, type Matrix } from "./matrix.js";

const U = "UNAUTHENTICATED";
const F = "FORBIDDEN";

/** A user of this cell alone, for a ban not to end anybody else's sessions. */
const victim = async (baseUrl: string) => ({ userId: (await signUp(baseUrl)).id });

/**
 * Server administration: server admins only. Everyone else gets 401 when not signed in and
 * 403 FORBIDDEN when signed in. (Deleting any room or message is in the rooms and messages
 * tables, as their server-admin cells.)
 */
export const matrix: Matrix = {
  resource: "admin",
  accounts: [
    { procedure: "admin.stats", input: () => ({}), anonymous: U, user: F, serverAdmin: A },
    { procedure: "admin.activity", input: () => ({ limit: 5 }), anonymous: U, user: F, serverAdmin: A },
    { procedure: "admin.blockedTerms", input: () => ({}), anonymous: U, user: F, serverAdmin: A },
    {
      // An empty list: other cells' texts must not meet a term set here.
      procedure: "admin.setBlockedTerms",
      input: () => ({ terms: [] }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
    {
      procedure: "admin.user",
      input: ({ someone }) => ({ userId: someone.id }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
    {
      procedure: "admin.createUser",
      input: () => ({ username: uniqueUsername("made"), password: "correct horse battery" }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
    {
      procedure: "admin.ban",
      prepare: victim,
      input: ({ extra }) => ({ userId: extra.userId }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
    {
      procedure: "admin.ban",
      variant: "oneself",
      input: ({ caller }) => ({ userId: caller?.id ?? "nobody" }),
      anonymous: U,
      user: F,
      serverAdmin: F,
    },
    {
      procedure: "admin.unban",
      prepare: victim,
      input: ({ extra }) => ({ userId: extra.userId }),
      anonymous: U,
      user: F,
      serverAdmin: A,
    },
  ],
};
