import {
  apiKeyIdInputSchema,
  apiKeyListSchema,
  apiKeyRevokedSchema,
  apiKeyWithSecretSchema,
  botDeletedSchema,
  botIdInputSchema,
  botListSchema,
  botResultSchema,
  createApiKeyInputSchema,
  createBotInputSchema,
} from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { adminProcedure, router } from "../trpc/trpc.js";

const tags = ["bots"];

/**
 * Bot accounts and their API keys, for server admins. A key (`ntr_…`) authenticates as a
 * bearer token does, limited to its scopes; managing bots and keys needs a person's session.
 */
export function createBotsRouter({ bots }: Services) {
  return router({
    create: adminProcedure
      .meta({
        errors: ["USERNAME_TAKEN", "CONFLICT"],
        rateLimit: "adminWrite",
        openapi: {
          method: "POST",
          path: "/admin/bots",
          tags,
          summary: "Create a bot account",
          description:
            "A user with `isBot: true` that cannot log in with a password: it acts only through API keys. " +
            "Room owners add it to rooms as they add people. A server has at most 200 bots (409 CONFLICT).",
        },
        successStatus: 201,
      })
      .input(createBotInputSchema)
      .output(botResultSchema)
      .mutation(async ({ ctx, input }) => ({
        bot: await bots.createBot(ctx.session, input.username, input.displayName),
      })),

    list: adminProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/admin/bots",
          tags,
          summary: "List bot accounts",
          description: "Every bot (at most 200), oldest first, with how many API keys each holds.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(botListSchema)
      .query(async ({ ctx }) => ({ bots: await bots.listBots(ctx.session) })),

    delete: adminProcedure
      .meta({
        errors: ["BOT_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "DELETE",
          path: "/admin/bots/{userId}",
          tags,
          summary: "Delete a bot account",
          description:
            "Its API keys are revoked at once (calls with them answer 401; their WebSockets and event streams " +
            "close within a second on every node), its incoming webhooks are deleted (posts to them answer 404), " +
            "and it is deleted as an account is (`DELETE /me`): its messages become tombstones (kept with " +
            "`NATTER_ACCOUNT_DELETION=keep-messages`), it leaves every room, and its username stays reserved " +
            "for 30 days. 404 BOT_NOT_FOUND for a person, an unknown id, or a bot already deleted.",
        },
      })
      .input(botIdInputSchema)
      .output(botDeletedSchema)
      .mutation(async ({ ctx, input }) => {
        await bots.deleteBot(ctx.session, input.userId);
        return { userId: input.userId, deleted: true as const };
      }),

    createKey: adminProcedure
      .meta({
        errors: ["BOT_NOT_FOUND", "CONFLICT"],
        rateLimit: "adminWrite",
        noStore: true,
        openapi: {
          method: "POST",
          path: "/admin/bots/{userId}/keys",
          tags,
          summary: "Create an API key for a bot",
          description:
            "Answers the key (`ntr_` and 43 characters), shown only here: the server keeps only its SHA-256 (a " +
            "fast hash suits 256 random bits; a password hash would only slow every call). Send it as " +
            "`Authorization: Bearer ntr_…`, as the `token` connection param of a WebSocket, or to an event stream. " +
            "A call outside its scopes answers 403 INSUFFICIENT_SCOPE; so does every call that declares no scope " +
            "(sign-in, sessions, profile changes, admin and webhook management). A bot holds at most 50 keys.",
        },
        successStatus: 201,
      })
      .input(createApiKeyInputSchema)
      .output(apiKeyWithSecretSchema)
      .mutation(({ ctx, input }) => bots.createKey(ctx.session, input)),

    keys: adminProcedure
      .meta({
        errors: ["BOT_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/admin/bots/{userId}/keys",
          tags,
          summary: "List a bot's API keys",
          description: "Newest first, each with its prefix, name, scopes and last use; never the key itself.",
        },
      })
      .input(botIdInputSchema)
      .output(apiKeyListSchema)
      .query(async ({ ctx, input }) => ({ apiKeys: await bots.listKeys(ctx.session, input.userId) })),

    revokeKey: adminProcedure
      .meta({
        errors: ["API_KEY_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "DELETE",
          path: "/admin/bots/{userId}/keys/{keyId}",
          tags,
          summary: "Revoke an API key",
          description:
            "At once: calls with it answer 401 from now on, and its open WebSockets and event streams close " +
            "within a second on every node.",
        },
      })
      .input(apiKeyIdInputSchema)
      .output(apiKeyRevokedSchema)
      .mutation(async ({ ctx, input }) => {
        await bots.revokeKey(ctx.session, input.userId, input.keyId);
        return { keyId: input.keyId, revoked: true as const };
      }),
  });
}
