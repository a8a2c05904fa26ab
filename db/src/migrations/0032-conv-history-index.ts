import { type Kysely, type Migration, sql } from "kysely";

/**
 * A room's history without its thread replies (`GET …/messages`, the default) read from an
 * index of just those messages: by `messages_by_seq`, a page read and skipped every reply
 * between its messages (a page of 50 under threads of 1,000 replies each read 50,000 rows).
 * The condition is the page query's own (`messagePageQuery`, with the literal 1), so that
 * both engines can see that the index holds every row the query wants.
 * And who reacted with what, looked up by reader and message for `me`, read from the index
 * alone: the emoji joins `message_reactions_by_user`, which other look-ups by user still use.
 */
export const historyIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex("messages_room_history")
      .on("messages")
      .columns(["room_id", "seq"])
      .where(sql<boolean>`thread_id is null or also_in_room = 1`)
      .execute();
    await db.schema.dropIndex("message_reactions_by_user").execute();
    await db.schema
      .createIndex("message_reactions_by_user")
      .on("message_reactions")
      .columns(["user_id", "message_id", "emoji"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("messages_room_history").execute();
    await db.schema.dropIndex("message_reactions_by_user").execute();
    await db.schema
      .createIndex("message_reactions_by_user")
      .on("message_reactions")
      .columns(["user_id", "message_id"])
      .execute();
  },
};
