import { z } from "zod";
import { LIMITS } from "../limits.js";
import { followingTextRule, idSchema, nameTextSchema, timestampSchema } from "./common.js";
import { usernameSchema, userSchema } from "./user.js";

/**
 * What an API key may do. A procedure declares the one scope it needs; a key calls only the
 * procedures whose scope it holds, and none that declares no scope (sign-in, sessions, profile
 * changes, admin and webhook management): those answer 403 INSUFFICIENT_SCOPE to a key.
 */
export const API_KEY_SCOPES = ["messages:write", "messages:read", "rooms:read", "rooms:write", "users:read"] as const;
export const apiKeyScopeSchema = z
  .enum(API_KEY_SCOPES)
  .describe(
    "`messages:read` (messages, threads, reactions, pins, receipts, unread counts, mentions, search, room events " +
      "over WebSocket and SSE, typing and presence), `messages:write` (send, edit, delete, react, pin, mark read, " +
      "typing), `rooms:read` (rooms, their members, admins, owner and mutes, direct rooms), `rooms:write` (create, " +
      "update, delete, join, leave, add and remove members, mute), `users:read` (`GET /me`, users by id or name).",
  )
  .meta({ id: "ApiKeyScope" });
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

/** `POST /admin/bots`: a bot user, which signs in only with API keys. */
export const createBotInputSchema = z.strictObject({
  username: usernameSchema,
  displayName: followingTextRule(
    nameTextSchema().min(1).max(LIMITS.displayNameMax),
    "name",
    `1 to ${LIMITS.displayNameMax} characters.`,
  ),
});
export type CreateBotInput = z.input<typeof createBotInputSchema>;

/** A bot as server admins see it: the user, and how many live keys it has. */
export const botSchema = userSchema.extend({ keyCount: z.number().int().nonnegative() }).meta({ id: "Bot" });
export type Bot = z.infer<typeof botSchema>;

export const botResultSchema = z.object({ bot: botSchema });
export const botListSchema = z.object({ bots: z.array(botSchema) });

export const botIdInputSchema = z.strictObject({ userId: idSchema });

/** `POST /admin/bots/{userId}/keys`. */
export const createApiKeyInputSchema = z.strictObject({
  userId: idSchema,
  name: followingTextRule(
    nameTextSchema().min(1).max(LIMITS.apiKeyNameMax),
    "name",
    `1 to ${LIMITS.apiKeyNameMax} characters.`,
  ),
  scopes: z.array(apiKeyScopeSchema).min(1).max(API_KEY_SCOPES.length),
  /** When the key stops working; never when left out. Must be in the future. */
  expiresAt: timestampSchema.optional(),
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

/** An API key as listed: never the key itself, which is shown once, at creation. */
export const apiKeySchema = z
  .object({
    id: idSchema,
    userId: idSchema,
    name: z.string(),
    /** The key's first characters (`ntr_` and 8 more), to tell keys apart. */
    prefix: z.string(),
    scopes: z.array(apiKeyScopeSchema),
    createdAt: timestampSchema,
    expiresAt: timestampSchema.nullable(),
    /** The last time it authenticated a call (at most a minute stale); null if never. */
    lastUsedAt: timestampSchema.nullable(),
  })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof apiKeySchema>;

/** A new key with the key itself (`ntr_…`), shown only in this answer. */
export const apiKeyWithSecretSchema = z.object({ apiKey: apiKeySchema, key: z.string() }).meta({ id: "NewApiKey" });
export type ApiKeyWithSecret = z.infer<typeof apiKeyWithSecretSchema>;

export const apiKeyListSchema = z.object({ apiKeys: z.array(apiKeySchema) });

export const apiKeyIdInputSchema = z.strictObject({ userId: idSchema, keyId: idSchema });
export const apiKeyRevokedSchema = z.object({ keyId: idSchema, revoked: z.literal(true) });

/** `DELETE /admin/bots/{userId}`'s answer. */
export const botDeletedSchema = z.object({ userId: idSchema, deleted: z.literal(true) });
