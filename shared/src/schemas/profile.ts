import { z } from "zod";
import { LIMITS } from "../limits.js";
import type { TextKind } from "../text/text-rules.js";
import { followingTextRule, idSchema, jsonBooleanSchema, nameTextSchema, timestampSchema } from "./common.js";
import { pageLimitSchema } from "./pagination.js";
import { directMessagesSettingSchema, userSchema } from "./user.js";

/** Free text of a profile field, following the text rule for its kind: trimmed; empty or null clears it. */
function profileText(max: number, kind: TextKind) {
  const text = kind === "name" ? nameTextSchema() : z.string().trim();
  return followingTextRule(text.max(max), kind, `Up to ${max} characters; empty or null clears it.`)
    .nullable()
    .transform((text) => (text ? text : null));
}

/** `PATCH /me`: the fields to change; a field left out keeps its value. */
export const updateProfileInputSchema = z.strictObject({
  displayName: profileText(LIMITS.displayNameMax, "name").optional(),
  bio: profileText(LIMITS.bioMax, "body").optional(),
  /** False hides how far the caller has read from other members (receipts); their own unread counts still work. */
  shareReadReceipts: jsonBooleanSchema.optional(),
  /** Who may open a new direct room with you. */
  directMessages: directMessagesSettingSchema.optional(),
});
export type UpdateProfileInput = z.input<typeof updateProfileInputSchema>;

/**
 * `GET /users`: either `username` (exact, any case) or `q` (a prefix of the username or
 * the display name, any case), paged in username order.
 */
export const findUsersInputSchema = z
  .strictObject({
    username: z.string().min(1).max(LIMITS.usernameMax).optional(),
    q: nameTextSchema().min(1).max(LIMITS.displayNameMax).optional(),
    limit: pageLimitSchema,
    /** The `nextCursor` of the previous page. */
    cursor: z.string().min(1).max(200).optional(),
  })
  .refine((input) => (input.username === undefined) !== (input.q === undefined), {
    message: "give exactly one of `username` and `q`",
    path: ["q"],
  });
export type FindUsersInput = z.input<typeof findUsersInputSchema>;

/** A page of users in username order; `nextCursor` is null on the last page. */
export const userPageSchema = z.object({ users: z.array(userSchema), nextCursor: z.string().nullable() });
export type UserPage = z.infer<typeof userPageSchema>;

/** One of the caller's sessions (a signed-in device). */
export const sessionInfoSchema = z
  .object({
    id: idSchema,
    createdAt: timestampSchema,
    lastUsedAt: timestampSchema,
    /** When it expires unless used again (never later than its absolute expiry). */
    expiresAt: timestampSchema,
    /** The User-Agent it was opened with, if any. */
    userAgent: z.string().nullable(),
    /** True for the session of the token that asked. */
    current: z.boolean(),
  })
  .meta({ id: "Session" });
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const sessionListSchema = z.object({ sessions: z.array(sessionInfoSchema) });

export const endSessionInputSchema = z.strictObject({ sessionId: idSchema });

/** How many sessions a call ended. */
export const endedSessionsSchema = z.object({ ended: z.number().int().nonnegative() });
