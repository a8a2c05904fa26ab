import { SEARCH_QUERY_SYNTAX, searchMessagesInputSchema, searchMessagesResultSchema } from "@natter/shared";
import type { Services } from "../services/services.js";
import { publicProcedure, router } from "../trpc/trpc.js";

/**
 * Full-text search over the messages the caller may read right now. Anonymous callers search
 * open rooms only, as they may read open rooms' history; rate limited per address and per account.
 */
export function createSearchRouter({ search }: Services) {
  return router({
    messages: publicProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND"],
        rateLimit: "search",
        openapi: {
          method: "GET",
          path: "/search/messages",
          tags: ["search"],
          summary: "Search messages",
          description:
            "Messages the caller may read right now: open rooms, and closed rooms they are a member of (no " +
            "token: open rooms only). Never deleted messages; edited ones by their current text. " +
            `${SEARCH_QUERY_SYNTAX} \`sort=relevance\` (the default) ranks the newest 1,000 matches by ` +
            "relevance blended with recency; `sort=recent` pages through every match, newest first. " +
            "`highlights` are `[start, end]` pairs of UTF-16 code units (JavaScript string indexes) into the body, " +
            "`end` exclusive: `message.body.slice(start, end)` is the matched text. A `roomId` the caller " +
            "cannot read answers 404 ROOM_NOT_FOUND. `threadId` narrows to one thread: the message with that id " +
            "and the replies in its thread (a thread the caller cannot read finds nothing, as an unknown id does).",
          protect: false,
        },
      })
      .input(searchMessagesInputSchema)
      .output(searchMessagesResultSchema)
      .query(({ ctx, input }) => search.messages(ctx.session, input)),
  });
}
