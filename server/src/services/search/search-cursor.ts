import { NatterError, type SearchMessagesInput } from "@natter/shared";
import { z } from "zod";

/**
 * Where a search page starts. Newest-first pages go by key (`below` the previous page's last);
 * ranked pages by offset into the ranking of the matches there were up to the first page's
 * newest key (`upTo`), so messages sent meanwhile do not shift the pages.
 */
export type SearchCursor = { sort: "recent"; below: string } | { sort: "relevance"; upTo: string; offset: number };

const cursorSchema = z.union([
  z.strictObject({ sort: z.literal("recent"), below: z.string().min(1).max(64) }),
  z.strictObject({
    sort: z.literal("relevance"),
    upTo: z.string().min(1).max(64),
    offset: z.number().int().positive().max(1_000_000),
  }),
]);

/** The opaque text of a cursor. */
export function encodeSearchCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/**
 * The cursor of a page of the listing `sort`; a 400 for anything else. `isKey` tells the
 * engine's keys from other text: a cursor is client input (base64 of JSON, which the API's
 * edge checks do not look into), so a forged key must be refused here, never reach SQL.
 */
export function decodeSearchCursor(
  text: string,
  sort: SearchMessagesInput["sort"],
  isKey: (key: string) => boolean,
): SearchCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  const parsed = cursorSchema.safeParse(value);
  const key = parsed.success ? (parsed.data.sort === "recent" ? parsed.data.below : parsed.data.upTo) : "";
  if (!parsed.success || parsed.data.sort !== sort || !isKey(key)) {
    throw new NatterError("VALIDATION_FAILED", "Invalid cursor", {
      issues: [{ path: "cursor", message: `not a cursor of this search (sort=${sort})` }],
    });
  }
  return parsed.data;
}
