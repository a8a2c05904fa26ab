import type { Database } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import { conversationOf, ownReactions } from "../message-rows/message-rows.js";

/**
 * Whether a live event must be shown to `userId` differently from everyone else: an edited
 * message with reactions, some of which may be theirs. Everything else is the same for all
 * watchers (a new message has no reactions yet).
 */
export function isPersonal(event: RoomEvent, userId: string | null): boolean {
  return userId !== null && event.type === "message.edited" && event.message.reactions.length > 0;
}

/**
 * The messages that log entries carry, with their reactions, thread and pin as they stand
 * now and as `userId` (null: anonymous) sees them. The log keeps what a message says (edits
 * and deletions rewrite it); what others did to it since is read here, so a replay never
 * shows a reaction taken back, a stale pin, or a reaction on a deleted message.
 */
export async function withCurrentState(
  db: Kysely<Database>,
  events: RoomEvent[],
  userId: string | null,
): Promise<RoomEvent[]> {
  const ids = events.flatMap((event) =>
    event.type === "message.created" || event.type === "message.edited" ? [event.message.id] : [],
  );
  if (ids.length === 0) return events;
  const rows = await db
    .selectFrom("messages")
    .select([
      "id",
      "reactions",
      "thread_reply_count",
      "thread_last_reply_at",
      "thread_participant_ids",
      "pinned_at",
      "pinned_by",
    ])
    .where("id", "in", ids)
    .execute();
  const reacted = rows.flatMap((row) => (row.reactions === null ? [] : [row.id]));
  const own = await ownReactions(db, userId, reacted);
  const current = new Map(rows.map((row) => [row.id, conversationOf(row, own)]));
  return events.map((event) => {
    if (event.type !== "message.created" && event.type !== "message.edited") return event;
    const now = current.get(event.message.id);
    return now ? { ...event, message: { ...event.message, ...now } } : event;
  });
}
