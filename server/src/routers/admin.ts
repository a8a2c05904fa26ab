import {
  activityInputSchema,
  activityPageSchema,
  adminStatsSchema,
  adminUserResultSchema,
  banInputSchema,
  blockedTermsSchema,
  createUserInputSchema,
  putBlockedTermsInputSchema,
} from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { adminProcedure, router } from "../trpc/trpc.js";

/**
 * Server administration, for server admins only (granted with `natter admin grant`): the
 * statistics, the activity log, bans, and accounts when sign-up is closed. Deleting any
 * room or message goes through the ordinary delete paths, which let server admins.
 */
export function createAdminRouter({ admin, blockedTerms }: Services) {
  return router({
    stats: adminProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/admin/stats",
          tags: ["admin"],
          summary: "Server statistics",
          description:
            "Users, rooms (open and closed), messages, stored upload bytes, active sessions, connected sockets, " +
            "live watchers, messages per hour over the last 24 hours (24 buckets, oldest first) and users active " +
            "in the last 24 hours. Cheap at any size: totals are counters kept by the writes, the 24-hour figures " +
            "indexed range counts. 403 FORBIDDEN for anyone but a server admin.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(adminStatsSchema)
      .query(({ ctx }) => admin.stats(ctx.session)),

    activity: adminProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/admin/activity",
          tags: ["admin"],
          summary: "The activity log",
          description:
            "Who did what, in which room, to whom, when: newest first, paged with `cursor` (the previous page's " +
            "`nextCursor`). Filter by `userId` (who did it), `roomId`, `type` and `since` (inclusive) / `until` " +
            "(exclusive); every combination is served by an index.",
        },
      })
      .input(activityInputSchema)
      .output(activityPageSchema)
      .query(({ ctx, input }) => admin.activity(ctx.session, input)),

    blockedTerms: adminProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/admin/blocked-terms",
          tags: ["admin"],
          summary: "The blocked terms",
          description: "The word filter's list, in the order it was set: each `term` with its `mode`.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(blockedTermsSchema)
      .query(({ ctx }) => blockedTerms.list(ctx.session)),

    setBlockedTerms: adminProcedure
      .meta({
        rateLimit: "adminWrite",
        openapi: {
          method: "PUT",
          path: "/admin/blocked-terms",
          tags: ["admin"],
          summary: "Replace the blocked terms",
          description:
            "Replaces the whole list (up to 5,000 terms; `[]` turns the filter off). Message bodies and edits, room " +
            "names, display names and bios are checked from then on (texts already stored are left as they are; other " +
            "nodes apply a change within 2 s). A term is one or more whole words, compared without case or " +
            "diacritics: `crème brûlée` matches `Creme BRULEE`, `spam` does not match `spammer`. `mode: reject` " +
            "refuses the text with 422 `BLOCKED_TERM`, which names no term; `mode: mask` stores it with the term " +
            "replaced by `***`. Look-alike letters of other scripts (Cyrillic `а` in `spаm`) and fullwidth forms " +
            "are covered, through the confusable skeleton usernames use; ASCII substitutions (`sp4m`, `rn` for `m`) " +
            "are not. The same words twice, or a term without a letter or digit, is 400. Logs `blocked_terms.updated`.",
        },
      })
      .input(putBlockedTermsInputSchema)
      .output(blockedTermsSchema)
      .mutation(({ ctx, input }) => blockedTerms.replace(ctx.session, input.terms)),

    user: adminProcedure
      .meta({
        errors: ["USER_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/admin/users/{userId}",
          tags: ["admin"],
          summary: "A user as admins see them",
          description: "The user with `isAdmin`, `bannedAt` and `lastActiveAt`.",
        },
      })
      .input(banInputSchema)
      .output(adminUserResultSchema)
      .query(async ({ ctx, input }) => ({ user: await admin.user(ctx.session, input.userId) })),

    createUser: adminProcedure
      .meta({
        errors: ["USERNAME_TAKEN"],
        rateLimit: "adminWrite",
        openapi: {
          method: "POST",
          path: "/admin/users",
          tags: ["admin"],
          summary: "Create an account",
          description:
            "Creates an account whatever the sign-up policy (`NATTER_SIGNUP=closed` leaves only this and " +
            "`natter users add`). The new user is not signed in: they log in with the password given here.",
        },
        successStatus: 201,
      })
      .input(createUserInputSchema)
      .output(adminUserResultSchema)
      .mutation(async ({ ctx, input }) => ({
        user: await admin.createUser(ctx.session, input.username, input.password),
      })),

    ban: adminProcedure
      .meta({
        errors: ["USER_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "POST",
          path: "/admin/users/{userId}/ban",
          tags: ["admin"],
          summary: "Ban a user",
          description:
            "Every session of the user ends at once (their WebSockets close with 4401) and log-in answers 403 " +
            "ACCOUNT_BANNED, to whoever gives the right password only. Idempotent. 403 FORBIDDEN for banning " +
            "yourself or another server admin (revoke their flag first, from the command line).",
        },
      })
      .input(banInputSchema)
      .output(adminUserResultSchema)
      .mutation(async ({ ctx, input }) => ({ user: await admin.ban(ctx.session, input.userId) })),

    unban: adminProcedure
      .meta({
        errors: ["USER_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "DELETE",
          path: "/admin/users/{userId}/ban",
          tags: ["admin"],
          summary: "Lift a ban",
          description: "The user may log in again; the sessions the ban ended stay ended. Idempotent.",
        },
      })
      .input(banInputSchema)
      .output(adminUserResultSchema)
      .mutation(async ({ ctx, input }) => ({ user: await admin.unban(ctx.session, input.userId) })),
  });
}
