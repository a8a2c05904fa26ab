import { uniqueUsername } from "../harness/index.js";
import { ALLOW as A, type Matrix } from "./matrix.js";

/**
 * Accounts and sessions. Each signed-in cell gets a freshly signed-up user, since logging
 * out and changing the password end sessions.
 */
export const matrix: Matrix = {
  resource: "accounts",
  accounts: [
    {
      procedure: "auth.signUp",
      input: () => ({ username: uniqueUsername("matrix"), password: "correct horse battery" }),
      anonymous: A,
      user: A,
    },
    {
      procedure: "auth.logIn",
      input: ({ someone }) => ({ username: someone.username, password: someone.password }),
      anonymous: A,
      user: A,
    },
    { procedure: "auth.logOut", input: () => ({}), anonymous: A, user: A },
    {
      procedure: "auth.changePassword",
      input: ({ caller }) => ({
        currentPassword: caller?.password ?? "correct horse battery",
        newPassword: "a brand new passphrase",
      }),
      anonymous: "UNAUTHENTICATED",
      user: A,
    },
    { procedure: "users.me", input: () => ({}), anonymous: "UNAUTHENTICATED", user: A },
    {
      procedure: "users.byId",
      input: ({ someone }) => ({ userId: someone.id }),
      anonymous: "UNAUTHENTICATED",
      user: A,
    },
    { procedure: "users.update", input: () => ({ bio: "hello" }), anonymous: "UNAUTHENTICATED", user: A },
    {
      procedure: "users.find",
      input: ({ someone }) => ({ username: someone.username }),
      anonymous: "UNAUTHENTICATED",
      user: A,
    },
    { procedure: "sessions.list", input: () => ({}), anonymous: "UNAUTHENTICATED", user: A },
    {
      procedure: "sessions.end",
      variant: "someone else's session",
      input: ({ someone }) => ({ sessionId: someone.id }),
      anonymous: "UNAUTHENTICATED",
      user: "SESSION_NOT_FOUND",
    },
    { procedure: "sessions.endOthers", input: () => ({}), anonymous: "UNAUTHENTICATED", user: A },
    {
      procedure: "users.deleteAccount",
      variant: "wrong password",
      input: () => ({ password: "not the password" }),
      anonymous: "UNAUTHENTICATED",
      user: "INVALID_CREDENTIALS",
    },
    {
      procedure: "users.deleteAccount",
      input: ({ caller }) => ({ password: caller?.password ?? "correct horse battery" }),
      anonymous: "UNAUTHENTICATED",
      user: A,
    },
  ],
};
