import { z } from "zod";
import { LIMITS } from "../limits.js";

/** What a blocked term does: refuse the text (422 `BLOCKED_TERM`), or store it with the term as `***`. */
export const BLOCKED_TERM_MODES = ["reject", "mask"] as const;
export const blockedTermModeSchema = z.enum(BLOCKED_TERM_MODES);

/**
 * A term server admins block in message bodies and edits, room names, display names and bios:
 * one or more whole words, compared without case or diacritics.
 */
export const blockedTermSchema = z
  .object({
    term: z
      .string()
      .trim()
      .min(1)
      .max(LIMITS.blockedTermMax)
      .describe(`A word or words (up to ${LIMITS.blockedTermMax} characters), at least one letter or digit.`),
    mode: blockedTermModeSchema,
  })
  .meta({ id: "BlockedTerm" });
export type BlockedTermInput = z.infer<typeof blockedTermSchema>;

/** The whole list, as read and as replaced. */
export const blockedTermsSchema = z.object({
  terms: z.array(blockedTermSchema).max(LIMITS.blockedTermsMax),
});
export type BlockedTerms = z.infer<typeof blockedTermsSchema>;

export const putBlockedTermsInputSchema = z.strictObject({
  terms: z.array(z.strictObject(blockedTermSchema.shape)).max(LIMITS.blockedTermsMax),
});
