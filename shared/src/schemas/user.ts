import { z } from "zod";
import { LIMITS } from "../limits.js";
import { idSchema, timestampSchema } from "./common.js";

/**
 * A username: ASCII letters, digits, `_`, `.`, `-`, `@` and `+`, so an e-mail address fits;
 * unique regardless of case and of look-alikes, the two taken together (the confusable
 * skeleton of Unicode TS #39 closed under case: `l`, `I`, `i` and `1`, `O` and `0`, `rn` and
 * `m` count as the same). Being ASCII, a username
 * needs no normalisation and holds nothing invisible.
 */
export const usernameSchema = z
  .string()
  .min(LIMITS.usernameMin)
  .max(LIMITS.usernameMax)
  .regex(/^[A-Za-z0-9_.@+-]+$/, "may contain only letters, digits, '_', '.', '-', '@' and '+'")
  .describe(
    `${LIMITS.usernameMin} to ${LIMITS.usernameMax} ASCII letters, digits, '_', '.', '-', '@' and '+' (so no control, bidirectional or invisible characters); unique regardless of case and of characters that look alike (Unicode TS #39 confusable skeletons, case and looks taken together: 'l', 'I', 'i' and '1'; 'O' and '0'; 'rn' and 'm'). Log-in ignores ASCII case only: nothing else is folded.`,
  );

/**
 * The key a username is looked up by (sign-up's case-insensitive uniqueness, log-in, admin
 * commands): ASCII letters lower-cased and nothing else folded. Usernames are ASCII, so a name
 * typed with anything else (the Kelvin sign U+212A, a dotted İ, full-width letters) matches no
 * account instead of being folded into one by Unicode case mapping or normalisation.
 */
export function usernameKeyOf(username: string): string {
  return username.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** A password as typed: its length is checked, and that it is not only spaces; the rest is up to the user. */
export const passwordSchema = z
  .string()
  .min(LIMITS.passwordMin)
  .max(LIMITS.passwordMax)
  .refine((password) => password.trim().length > 0, "must not be only spaces")
  .describe(`${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters, not only spaces.`);

/** A user as anyone may see it. */
export const userSchema = z
  .object({
    id: idSchema,
    username: z.string(),
    /** What to call the user; null when they have not set one (show the username). */
    displayName: z.string().nullable(),
    /** A few words about the user; null when unset. */
    bio: z.string().nullable(),
    createdAt: timestampSchema,
    /** Where the user's avatar image is served (relative to the server's base URL); null without one. */
    avatarUrl: z.string().nullable(),
    /** A bot account (made by a server admin, acting through API keys): it never signs in with a password. */
    isBot: z.boolean(),
  })
  .meta({ id: "User" });

export type User = z.infer<typeof userSchema>;

/** Who may open a new direct room with a user: anyone, or nobody (the rooms they have stay). */
export const directMessagesSettingSchema = z.enum(["everyone", "none"]);
export type DirectMessagesSetting = z.infer<typeof directMessagesSettingSchema>;

/** The signed-in user as `GET /me` shows it: whether they are a server admin too, and their own settings. */
export const meSchema = userSchema
  .extend({
    isAdmin: z.boolean(),
    directMessages: directMessagesSettingSchema,
    /** Whether other members see how far you have read (`receipt.updated`, `GET /rooms/{roomId}/receipts`). */
    shareReadReceipts: z.boolean(),
  })
  .meta({ id: "Me" });
export type Me = z.infer<typeof meSchema>;
