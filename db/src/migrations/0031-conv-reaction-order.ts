import { type Kysely, type Migration, sql } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Who reacted, in a strictly increasing order: `message_reactions.seq` is the room seq of the
 * reaction's `reaction.added` event, assigned in the room's serialised transaction. Ordering by
 * the time alone (with the user id breaking ties) put reactions made within one millisecond in
 * user-id order, not in the order they were made.
 * Reactions made before this migration are numbered 1, 2, … per message and emoji in their old
 * order (time, then user id); every room seq written since is larger, being past those events.
 */
export const reactionOrder = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("message_reactions")
      .addColumn("seq", t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`
      update message_reactions set seq = (
        select count(*) from message_reactions earlier
        where earlier.message_id = message_reactions.message_id
          and earlier.emoji = message_reactions.emoji
          and (earlier.created_at < message_reactions.created_at
            or (earlier.created_at = message_reactions.created_at and earlier.user_id <= message_reactions.user_id))
      )`.execute(db);
    await db.schema.dropIndex("message_reactions_by_time").execute();
    await db.schema
      .createIndex("message_reactions_by_seq")
      .on("message_reactions")
      .columns(["message_id", "emoji", "seq"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("message_reactions_by_seq").execute();
    await db.schema
      .createIndex("message_reactions_by_time")
      .on("message_reactions")
      .columns(["message_id", "emoji", "created_at", "user_id"])
      .execute();
    await db.schema.alterTable("message_reactions").dropColumn("seq").execute();
  },
});
