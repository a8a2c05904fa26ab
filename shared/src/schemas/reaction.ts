import { z } from "zod";
import { LIMITS } from "../limits.js";
import { idSchema, timestampSchema } from "./common.js";

/** One emoji as Unicode names it (a recommended emoji sequence, flags and skin tones included) or a lone pictograph. */
// biome-ignore lint/complexity/useRegexLiterals: a literal with the `v` flag needs an ES2024 target; the runtimes have it.
const ONE_EMOJI = new RegExp("^(?:\\p{RGI_Emoji}|\\p{Extended_Pictographic}\\uFE0F?)$", "v");
const SHORTCODE = /^:[a-z0-9_+-]{1,32}:$/;

/** Whether `text` is one emoji (one grapheme cluster) or a `:shortcode:`. */
export function isReactionEmoji(text: string): boolean {
  return SHORTCODE.test(text) || ONE_EMOJI.test(text);
}

/** What a reaction is made of: one emoji or a `:shortcode:` (`[a-z0-9_+-]`, 1 to 32 characters). */
export const reactionEmojiSchema = z
  .string()
  .max(LIMITS.reactionEmojiMax)
  .refine(isReactionEmoji, "must be one emoji or a :shortcode: of [a-z0-9_+-], 1 to 32 characters")
  .describe("One emoji (a single grapheme cluster, URL-encoded in paths) or a `:shortcode:` such as `:party_parrot:`.");

/** One emoji's reactions on a message, as the caller sees them. */
export const reactionSchema = z
  .object({
    emoji: z.string(),
    count: z.number().int().positive(),
    /** Whether the caller is among those who reacted; false for anonymous readers and in shared events. */
    me: z.boolean(),
  })
  .meta({ id: "Reaction" });
export type Reaction = z.infer<typeof reactionSchema>;

export const reactionInputSchema = z.strictObject({
  roomId: idSchema,
  messageId: idSchema,
  emoji: reactionEmojiSchema,
});

/** The message's reactions after the change, in first-use order, `me` for the caller. */
export const reactionsResultSchema = z.object({ messageId: idSchema, reactions: z.array(reactionSchema) });

export const reactorsInputSchema = z.strictObject({
  roomId: idSchema,
  messageId: idSchema,
  emoji: reactionEmojiSchema,
  limit: z.number().int().min(1).max(LIMITS.pageLimitMax).default(LIMITS.pageLimitDefault),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});

/** Who reacted with one emoji, earliest first. */
export const reactorPageSchema = z.object({
  reactors: z.array(z.object({ userId: idSchema, reactedAt: timestampSchema }).meta({ id: "Reactor" })),
  nextCursor: z.string().nullable(),
});
