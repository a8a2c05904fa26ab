import {
  deleteAccountInputSchema,
  findUsersInputSchema,
  idSchema,
  meSchema,
  setAvatarInputSchema,
  updateProfileInputSchema,
  userPageSchema,
  userSchema,
} from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { router, userProcedure } from "../trpc/trpc.js";
import { inboxProcedures } from "./inbox.js";

const userResultSchema = z.object({ user: userSchema });
const meResultSchema = z.object({ user: meSchema });

/** Who am I, who is that, finding people, and one's own profile. */
export function createUsersRouter(services: Services) {
  const { accounts, accountData, profiles, uploads } = services;
  return router({
    ...inboxProcedures(services),
    me: userProcedure
      .meta({
        scope: "users:read",
        openapi: {
          method: "GET",
          path: "/me",
          tags: ["users"],
          summary: "The signed-in user",
          description: "The caller's own user object, with `isAdmin`.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(meResultSchema)
      .query(async ({ ctx }) => ({ user: await profiles.me(ctx.session.userId) })),

    update: userProcedure
      .meta({
        errors: ["BLOCKED_TERM"],
        openapi: {
          method: "PATCH",
          path: "/me",
          tags: ["users"],
          summary: "Change your profile",
          description:
            "Sets `displayName` (up to 64 characters) and `bio` (up to 500); a field left out keeps its " +
            "value, an empty string or null clears it. Text is trimmed. `shareReadReceipts: false` hides how " +
            "far you have read from other members; your own unread counts still work.",
        },
      })
      .input(updateProfileInputSchema)
      .output(meResultSchema)
      .mutation(async ({ ctx, input }) => ({ user: await profiles.update(ctx.session.userId, input) })),

    // Over REST this is `DELETE /me` (a plain route: trpc-to-openapi reads no body on DELETE).
    deleteAccount: userProcedure
      .meta({ errors: ["INVALID_CREDENTIALS"] })
      .input(deleteAccountInputSchema)
      .output(z.object({ ok: z.literal(true) }))
      .mutation(async ({ ctx, input }) => {
        await accountData.deleteOwn(ctx.session, input.password);
        return { ok: true as const };
      }),

    find: userProcedure
      .meta({
        scope: "users:read",
        openapi: {
          method: "GET",
          path: "/users",
          tags: ["users"],
          summary: "Find people",
          description:
            "`username` finds the one user with that name, in any case. `q` finds users whose username or " +
            "display name starts with it, in any case. Exactly one of the two; pages in username order.",
        },
      })
      .input(findUsersInputSchema)
      .output(userPageSchema)
      .query(({ input }) => profiles.find(input)),

    byId: userProcedure
      .meta({
        scope: "users:read",
        errors: ["USER_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/users/{userId}",
          tags: ["users"],
          summary: "A user by id",
          description: "Any signed-in user may look up another by id; 404 USER_NOT_FOUND when there is none.",
        },
      })
      .input(z.strictObject({ userId: idSchema }))
      .output(userResultSchema)
      .query(async ({ input }) => ({ user: await accounts.getUser(input.userId) })),

    setAvatar: userProcedure
      .meta({
        errors: ["UPLOAD_NOT_FOUND"],
        openapi: {
          method: "PUT",
          path: "/me/avatar",
          tags: ["users"],
          summary: "Set your avatar",
          description:
            "Shows one of your uploads (`POST /uploads`) as your avatar; it must not be attached to a message. " +
            "The avatar it replaces is deleted. Any signed-in user may read it at `avatarUrl`.",
        },
      })
      .input(setAvatarInputSchema)
      .output(userResultSchema)
      .mutation(async ({ ctx, input }) => {
        await uploads.setAvatar(ctx.session, input.uploadId);
        return { user: await accounts.getUser(ctx.session.userId) };
      }),

    clearAvatar: userProcedure
      .meta({
        openapi: {
          method: "DELETE",
          path: "/me/avatar",
          tags: ["users"],
          summary: "Remove your avatar",
          description: "Deletes your avatar's upload; `avatarUrl` becomes null. Idempotent.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(userResultSchema)
      .mutation(async ({ ctx }) => {
        await uploads.clearAvatar(ctx.session);
        return { user: await accounts.getUser(ctx.session.userId) };
      }),
  });
}
