import { z } from "zod";
import { LIMITS } from "../limits.js";
import { idSchema, timestampSchema } from "./common.js";
import { messageSchema } from "./message.js";

/** Whether to rank by relevance (blended with recency) or list newest first. */
export const searchSortSchema = z.enum(["relevance", "recent"]);

/**
 * A yes/no filter of a GET: the text `true` or `false` on both transports (a query string
 * carries text; plain `z.boolean()` would read the text "false" as true).
 */
const queryBooleanSchema = z.stringbool({ truthy: ["true"], falsy: ["false"] });

/** The query language, for the API reference. */
export const SEARCH_QUERY_SYNTAX =
  "Words must all match (no stemming, no stop words; case and diacritics ignored: `cafe` finds `café`). " +
  '`"exact phrase"`, `prefix*`, `-excluded` (also `-"phrase"`), `from:username`, `in:room-name` ' +
  '(`in:"two words"`). Chinese, Japanese and Korean text is matched as a substring. At least one word, ' +
  "phrase or prefix that must match is needed; anything else answers 400 VALIDATION_FAILED.";

export const searchMessagesInputSchema = z
  .strictObject({
    q: z.string().max(LIMITS.searchQueryMax).describe(SEARCH_QUERY_SYNTAX),
    /** Only this room (which the caller must be able to read). */
    roomId: idSchema.optional(),
    /** Only messages by this user. */
    authorId: idSchema.optional(),
    /**
     * Only this thread: the message with this id and the replies in its thread. A thread in a
     * room the caller cannot read finds nothing, as an unknown id does.
     */
    threadId: idSchema.optional(),
    /** Only messages created at or after this instant. */
    from: timestampSchema.optional(),
    /** Only messages created before this instant. */
    to: timestampSchema.optional(),
    /** Only messages with (true) or without (false) attachments. */
    hasAttachments: queryBooleanSchema.optional(),
    sort: searchSortSchema.default("relevance"),
    limit: z.number().int().min(1).max(LIMITS.searchLimitMax).default(LIMITS.searchLimitDefault),
    /** The `nextCursor` of the previous page, with the same query and filters. */
    cursor: z.string().min(1).max(200).optional(),
  })
  .meta({ id: "SearchMessagesInput" });
export type SearchMessagesInput = z.infer<typeof searchMessagesInputSchema>;

/**
 * A range `[start, end)` of a body, in UTF-16 code units (JavaScript string indexes): two numbers,
 * `end` exclusive, as `String.prototype.slice` takes them.
 */
export const highlightRangeSchema = z
  .array(z.number().int().nonnegative())
  .length(2)
  .describe(
    "A matched stretch of the body as `[start, end]`: UTF-16 code units (JavaScript string indexes), " +
      "`start` inclusive and `end` exclusive, so `message.body.slice(start, end)` is the matched text.",
  );

export const searchHitSchema = z
  .object({
    message: messageSchema,
    roomId: idSchema,
    /** What matched the query, as ranges of `message.body` in order; never markup. */
    highlights: z.array(highlightRangeSchema),
  })
  .meta({ id: "SearchHit" });
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchMessagesResultSchema = z.object({
  results: z.array(searchHitSchema),
  /** Where the next page starts; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type SearchMessagesResult = z.infer<typeof searchMessagesResultSchema>;
