import { ALLOW as A, type Matrix } from "./matrix.js";

/**
 * Avatars. Setting one needs an upload of the caller's, which the avatar tests make; the
 * upload paths themselves are plain HTTP routes, checked in uploads/.
 */
export const matrix: Matrix = {
  resource: "uploads",
  accounts: [{ procedure: "users.clearAvatar", input: () => ({}), anonymous: "UNAUTHENTICATED", user: A }],
  elsewhere: [{ procedure: "users.setAvatar", coveredBy: "uploads/avatars.test.ts" }],
};
